package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// EventWriteTimeout bounds writing one event (or heartbeat) to a stream: a
// client that stops reading is dropped instead of holding a goroutine.
const EventWriteTimeout = 10 * time.Second

func (s *Server) registerEventRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/events", role: RoleStaff, h: s.events, stream: true})
}

// eventJSON is one event on the stream. Patron is the keyed hash the
// Service publishes, never a card number.
type eventJSON struct {
	Type            string    `json:"type"`
	At              time.Time `json:"at"`
	Site            string    `json:"site,omitempty"`
	Bank            string    `json:"bank,omitempty"`
	Compartment     string    `json:"compartment,omitempty"`
	Reservation     string    `json:"reservation,omitempty"`
	Item            string    `json:"item,omitempty"`
	Patron          string    `json:"patron,omitempty"`
	DurationSeconds float64   `json:"duration_seconds,omitempty"`
	Outcome         string    `json:"outcome,omitempty"`
	Message         string    `json:"message,omitempty"`
}

func toEventJSON(e gateway.Event) eventJSON {
	return eventJSON{Type: e.Type, At: e.At.UTC(), Site: e.Site, Bank: e.Bank, Compartment: string(e.Compartment),
		Reservation: e.Reservation, Item: e.Item, Patron: e.Patron, DurationSeconds: e.Duration.Seconds(),
		Outcome: e.Outcome, Message: e.Message}
}

// events streams the Service's events as server-sent events:
//
//	id: 7
//	event: loaded
//	data: {"type":"loaded","at":"...","bank":"B1",...}
//
// with a ": heartbeat" comment every Heartbeat so that proxies keep the
// connection. ?bank= keeps one bank's events. Ids count from 1 per
// stream; Last-Event-ID is not honoured (the dashboard reloads state from
// the REST resources when it reconnects). The stream ends when the client
// goes, when the Service closes the subscription, or at Shutdown.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	bank := q.str("bank")
	rc := http.NewResponseController(w)
	// No deadlines for the stream as a whole; each write gets its own.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	if _, ok := w.(http.Flusher); !ok {
		s.writeError(w, r, fmt.Errorf("httpapi: event stream: %T cannot flush", w))
		return
	}
	if s.closing() {
		s.writeError(w, r, &gateway.Error{Code: gateway.EUNAVAILABLE, Message: "the server is shutting down"})
		return
	}
	ch, cancel := s.svc.Subscribe(s.cfg.EventBuffer)
	defer cancel()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	send := func(chunk []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(EventWriteTimeout))
		if _, err := w.Write(chunk); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send([]byte("retry: 3000\n: stream open\n\n")) {
		return
	}
	tick := time.NewTicker(s.cfg.Heartbeat)
	defer tick.Stop()
	var seq int64
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-tick.C:
			if !send([]byte(": heartbeat\n\n")) {
				return
			}
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if bank != "" && ev.Bank != bank {
				continue
			}
			data, err := json.Marshal(toEventJSON(ev))
			if err != nil {
				s.log.WithError(err).Error("httpapi: encoding an event")
				continue
			}
			seq++
			if !send(sseFrame(seq, ev.Type, data)) {
				return
			}
		}
	}
}

// sseFrame frames one event. The type comes from the Service; newlines in
// it would break the framing, so they are replaced.
func sseFrame(id int64, typ string, data []byte) []byte {
	b := make([]byte, 0, len(data)+64)
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, id, 10)
	if typ != "" {
		b = append(b, "\nevent: "...)
		for _, c := range []byte(typ) {
			if c == '\n' || c == '\r' {
				c = ' '
			}
			b = append(b, c)
		}
	}
	b = append(b, "\ndata: "...)
	b = append(b, data...) // json.Marshal never writes a raw newline
	return append(b, "\n\n"...)
}
