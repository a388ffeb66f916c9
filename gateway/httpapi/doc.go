// Package httpapi is lockergate's REST API: /api/v1 for kiosks, staff
// desks and dashboards (JSON in and out, snake_case fields, RFC 3339
// times), a server-sent event stream, an OpenAPI 3.0 document of all of it
// at /api/v1/openapi.json (openapi.yaml, embedded), and /healthz, /readyz
// and /metrics for operations.
//
// Routes and the weakest role allowed (kiosk < staff < admin):
//
//	POST /api/v1/banks/{bank}/loads                           staff  {item, size?}
//	POST /api/v1/banks/{bank}/pickups                         kiosk  {patron, pin} | {code}
//	POST /api/v1/banks/{bank}/returns                         kiosk  {item, patron?}
//	POST /api/v1/banks/{bank}/returns/{compartment}/empty     staff
//	GET  /api/v1/banks/{bank}/equipment                       kiosk
//	POST /api/v1/banks/{bank}/loans                           kiosk  {patron, pin, item | type}
//	GET  /api/v1/reservations?bank=&patron=&state=&limit=     staff
//	GET  /api/v1/reservations/{id}                            staff
//	POST /api/v1/reservations/{id}/expire                     staff
//	POST /api/v1/reservations/{id}/clear                      staff
//	GET  /api/v1/banks/{bank}/clear-list                      staff
//	POST /api/v1/expire-due                                   admin
//	GET  /api/v1/ill/requests?bank=&partner=&item=&state=&limit=  staff
//	GET  /api/v1/ill/requests/{id}                            staff
//	POST /api/v1/ill/arrivals                                 staff  {item, size?}
//	GET  /api/v1/banks, /api/v1/banks/{bank}                  staff
//	PUT  /api/v1/banks/{bank}/compartments/{compartment}/service  staff  {in_service, reason}
//	GET  /api/v1/alerts?active=&bank= ; POST /api/v1/alerts/{id}/ack     staff
//	GET  /api/v1/outbox?state=&item=&op= (staff) ; POST /api/v1/outbox/{id}/retry, /dismiss (admin)
//	GET  /api/v1/audit?bank=&item=&reservation=&action=&since=  staff
//	GET  /api/v1/events?bank=                                 staff  text/event-stream
//	GET  /api/v1/openapi.json, /healthz, /readyz              no token
//	GET  /metrics                                             no token, or Config.MetricsRole
//	POST /hooks/vendor/{bank}                                 no token: signed by the vendor (Config.VendorHooks)
//	POST /ncip                                                no token: ILL partners' own auth (Config.NCIP, when set)
//
// Handlers translate HTTP to calls on the gateway's Service, and its
// *gateway.Error codes back to statuses through one table (error.go:
// invalid 400, unauthorized 401, forbidden 403, not_found 404, conflict
// and no_space 409, refused 422, locked 429 with Retry-After, internal 500,
// door_fault 502, unavailable 503). The answer body of every error is
// {"error": {"code", "message"}} with the gateway's message, never the text
// of an internal error, which is logged instead.
//
// The actor the Service records is "<role>:<token name>". Patron actions
// carry the patron's own credentials (card and PIN, or a pickup code) in
// the body: a kiosk token alone identifies no patron. Failed PINs and codes
// are locked out by the Service; on top of that a per-address token bucket
// (written here: golang.org/x/time/rate is not a dependency) stops floods
// on the pickup and loan routes. Bodies, which hold PINs and codes, are
// never logged; the access log has method, path, status, duration and the
// token's name.
package httpapi
