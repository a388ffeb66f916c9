package httpapi

import (
	"context"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// mockService is a function-field double of Service. A nil field answers
// ENOTFOUND, so a test sets only what it looks at.
type mockService struct {
	LoadFn         func(ctx context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error)
	PickupFn       func(ctx context.Context, req gateway.PickupRequest) (*gateway.PickupResult, error)
	ReturnFn       func(ctx context.Context, req gateway.ReturnRequest) (*gateway.ReturnResult, error)
	EmptyReturnsFn func(ctx context.Context, bank string, id lockers.CompartmentID, actor string) error
	EquipmentFn    func(ctx context.Context, bank string) ([]gateway.Equipment, error)
	LendFn         func(ctx context.Context, req gateway.LendRequest) (*gateway.LendResult, error)
	ReservationsFn func(ctx context.Context, f gateway.ReservationFilter) ([]gateway.Reservation, error)
	ReservationFn  func(ctx context.Context, id string) (*gateway.Reservation, error)
	ExpireFn       func(ctx context.Context, id, actor string) error
	ExpireDueFn    func(ctx context.Context) (int, error)
	ClearListFn    func(ctx context.Context, bank string) ([]gateway.Reservation, error)
	ClearFn        func(ctx context.Context, id, actor string) ([]lockers.CompartmentID, error)
	BanksFn        func(ctx context.Context) ([]gateway.BankState, error)
	SetInServiceFn func(ctx context.Context, bank string, id lockers.CompartmentID, in bool, reason, actor string) error
	AlertsFn       func(ctx context.Context, f gateway.AlertFilter) ([]gateway.Alert, error)
	AckAlertFn     func(ctx context.Context, id int64, actor string) error
	OutboxFn       func(ctx context.Context, f gateway.OutboxFilter) ([]gateway.OutboxEntry, error)
	RetryOutboxFn  func(ctx context.Context, id int64, actor string) error
	SubscribeFn    func(buffer int) (<-chan gateway.Event, func())
	AuditLogFn     func(ctx context.Context, f gateway.AuditFilter) ([]gateway.AuditEvent, error)
	ArriveILLFn    func(ctx context.Context, req gateway.ArrivalRequest) (*gateway.ArrivalResult, error)
	ILLRequestsFn  func(ctx context.Context, f gateway.ILLFilter) ([]gateway.ILLRequest, error)
	ILLRequestFn   func(ctx context.Context, id string) (*gateway.ILLRequest, error)
}

var _ Service = (*mockService)(nil)

var errMock = &gateway.Error{Code: gateway.ENOTFOUND, Message: "mock: not set"}

func (m *mockService) Load(ctx context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error) {
	if m.LoadFn == nil {
		return nil, errMock
	}
	return m.LoadFn(ctx, req)
}

func (m *mockService) Pickup(ctx context.Context, req gateway.PickupRequest) (*gateway.PickupResult, error) {
	if m.PickupFn == nil {
		return nil, errMock
	}
	return m.PickupFn(ctx, req)
}

func (m *mockService) Return(ctx context.Context, req gateway.ReturnRequest) (*gateway.ReturnResult, error) {
	if m.ReturnFn == nil {
		return nil, errMock
	}
	return m.ReturnFn(ctx, req)
}

func (m *mockService) EmptyReturns(ctx context.Context, bank string, id lockers.CompartmentID, actor string) error {
	if m.EmptyReturnsFn == nil {
		return errMock
	}
	return m.EmptyReturnsFn(ctx, bank, id, actor)
}

func (m *mockService) Equipment(ctx context.Context, bank string) ([]gateway.Equipment, error) {
	if m.EquipmentFn == nil {
		return nil, errMock
	}
	return m.EquipmentFn(ctx, bank)
}

func (m *mockService) Lend(ctx context.Context, req gateway.LendRequest) (*gateway.LendResult, error) {
	if m.LendFn == nil {
		return nil, errMock
	}
	return m.LendFn(ctx, req)
}

func (m *mockService) Reservations(ctx context.Context, f gateway.ReservationFilter) ([]gateway.Reservation, error) {
	if m.ReservationsFn == nil {
		return nil, errMock
	}
	return m.ReservationsFn(ctx, f)
}

func (m *mockService) Reservation(ctx context.Context, id string) (*gateway.Reservation, error) {
	if m.ReservationFn == nil {
		return nil, errMock
	}
	return m.ReservationFn(ctx, id)
}

func (m *mockService) Expire(ctx context.Context, id, actor string) error {
	if m.ExpireFn == nil {
		return errMock
	}
	return m.ExpireFn(ctx, id, actor)
}

func (m *mockService) ExpireDue(ctx context.Context) (int, error) {
	if m.ExpireDueFn == nil {
		return 0, errMock
	}
	return m.ExpireDueFn(ctx)
}

func (m *mockService) ClearList(ctx context.Context, bank string) ([]gateway.Reservation, error) {
	if m.ClearListFn == nil {
		return nil, errMock
	}
	return m.ClearListFn(ctx, bank)
}

func (m *mockService) Clear(ctx context.Context, id, actor string) ([]lockers.CompartmentID, error) {
	if m.ClearFn == nil {
		return nil, errMock
	}
	return m.ClearFn(ctx, id, actor)
}

func (m *mockService) Banks(ctx context.Context) ([]gateway.BankState, error) {
	if m.BanksFn == nil {
		return nil, errMock
	}
	return m.BanksFn(ctx)
}

func (m *mockService) SetInService(ctx context.Context, bank string, id lockers.CompartmentID, in bool, reason, actor string) error {
	if m.SetInServiceFn == nil {
		return errMock
	}
	return m.SetInServiceFn(ctx, bank, id, in, reason, actor)
}

func (m *mockService) Alerts(ctx context.Context, f gateway.AlertFilter) ([]gateway.Alert, error) {
	if m.AlertsFn == nil {
		return nil, errMock
	}
	return m.AlertsFn(ctx, f)
}

func (m *mockService) AckAlert(ctx context.Context, id int64, actor string) error {
	if m.AckAlertFn == nil {
		return errMock
	}
	return m.AckAlertFn(ctx, id, actor)
}

func (m *mockService) Outbox(ctx context.Context, f gateway.OutboxFilter) ([]gateway.OutboxEntry, error) {
	if m.OutboxFn == nil {
		return nil, errMock
	}
	return m.OutboxFn(ctx, f)
}

func (m *mockService) RetryOutbox(ctx context.Context, id int64, actor string) error {
	if m.RetryOutboxFn == nil {
		return errMock
	}
	return m.RetryOutboxFn(ctx, id, actor)
}

// Subscribe without a function returns a channel that never delivers and
// closes on cancel.
func (m *mockService) Subscribe(buffer int) (<-chan gateway.Event, func()) {
	if m.SubscribeFn == nil {
		ch := make(chan gateway.Event)
		return ch, func() {}
	}
	return m.SubscribeFn(buffer)
}

func (m *mockService) AuditLog(ctx context.Context, f gateway.AuditFilter) ([]gateway.AuditEvent, error) {
	if m.AuditLogFn == nil {
		return nil, errMock
	}
	return m.AuditLogFn(ctx, f)
}

func (m *mockService) ArriveILL(ctx context.Context, req gateway.ArrivalRequest) (*gateway.ArrivalResult, error) {
	if m.ArriveILLFn == nil {
		return nil, errMock
	}
	return m.ArriveILLFn(ctx, req)
}

func (m *mockService) ILLRequests(ctx context.Context, f gateway.ILLFilter) ([]gateway.ILLRequest, error) {
	if m.ILLRequestsFn == nil {
		return nil, errMock
	}
	return m.ILLRequestsFn(ctx, f)
}

func (m *mockService) ILLRequest(ctx context.Context, id string) (*gateway.ILLRequest, error) {
	if m.ILLRequestFn == nil {
		return nil, errMock
	}
	return m.ILLRequestFn(ctx, id)
}
