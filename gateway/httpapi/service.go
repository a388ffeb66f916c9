package httpapi

import (
	"context"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// Service is the part of *gateway.Service the API calls. It is an interface
// so that handler tests can use a double; *gateway.Service satisfies it.
// Methods return *gateway.Error values whose codes the API maps to HTTP
// statuses (see error.go). Each method is documented on *gateway.Service.
type Service interface {
	Load(ctx context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error)
	Pickup(ctx context.Context, req gateway.PickupRequest) (*gateway.PickupResult, error)
	Return(ctx context.Context, req gateway.ReturnRequest) (*gateway.ReturnResult, error)
	EmptyReturns(ctx context.Context, bank string, id lockers.CompartmentID, actor string) error
	Equipment(ctx context.Context, bank string) ([]gateway.Equipment, error)
	Lend(ctx context.Context, req gateway.LendRequest) (*gateway.LendResult, error)
	Reservations(ctx context.Context, f gateway.ReservationFilter) ([]gateway.Reservation, error)
	Reservation(ctx context.Context, id string) (*gateway.Reservation, error)
	Expire(ctx context.Context, id, actor string) error
	ExpireDue(ctx context.Context) (int, error)
	ClearList(ctx context.Context, bank string) ([]gateway.Reservation, error)
	Clear(ctx context.Context, id, actor string) ([]lockers.CompartmentID, error)
	Banks(ctx context.Context) ([]gateway.BankState, error)
	SetInService(ctx context.Context, bank string, id lockers.CompartmentID, in bool, reason, actor string) error
	Alerts(ctx context.Context, f gateway.AlertFilter) ([]gateway.Alert, error)
	AckAlert(ctx context.Context, id int64, actor string) error
	Outbox(ctx context.Context, f gateway.OutboxFilter) ([]gateway.OutboxEntry, error)
	RetryOutbox(ctx context.Context, id int64, actor string) error
	DismissOutbox(ctx context.Context, id int64, actor string) error
	Subscribe(buffer int) (events <-chan gateway.Event, cancel func())
	AuditLog(ctx context.Context, f gateway.AuditFilter) ([]gateway.AuditEvent, error)
	ArriveILL(ctx context.Context, req gateway.ArrivalRequest) (*gateway.ArrivalResult, error)
	ILLRequests(ctx context.Context, f gateway.ILLFilter) ([]gateway.ILLRequest, error)
	ILLRequest(ctx context.Context, id string) (*gateway.ILLRequest, error)
}

// The real Service must keep satisfying the interface.
var _ Service = (*gateway.Service)(nil)
