package sqlstore

// CONTRACT placeholder: the ILL request table is being written (session 3).

import "github.com/lockergate/lockergate/gateway"

func notYet() error { return gateway.Errorf(gateway.EINTERNAL, "ILL requests: not built yet") }

// CreateILLRequest inserts an ILL request (see gateway.Tx).
func (t *tx) CreateILLRequest(r *gateway.ILLRequest) error { return notYet() }

// ILLRequest returns one ILL request (see gateway.Tx).
func (t *tx) ILLRequest(id string) (*gateway.ILLRequest, error) { return nil, notYet() }

// ILLRequestForItem returns the item's current ILL request (see gateway.Tx).
func (t *tx) ILLRequestForItem(item string) (*gateway.ILLRequest, error) { return nil, notYet() }

// ILLRequests lists ILL requests (see gateway.Tx).
func (t *tx) ILLRequests(f gateway.ILLFilter) ([]gateway.ILLRequest, error) { return nil, notYet() }

// UpdateILLRequest updates an ILL request (see gateway.Tx).
func (t *tx) UpdateILLRequest(r *gateway.ILLRequest, from ...gateway.ILLState) error { return notYet() }
