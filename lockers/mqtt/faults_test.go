package mqtt_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/mqtt"
	"github.com/lockergate/lockergate/lockers/mqtt/mqtttest"
)

// rawClient connects a plain client to the broker, standing in for a
// broker that redelivers or a gateway that misbehaves.
func rawClient(t *testing.T, broker string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID("raw-" + strings.ReplaceAll(t.Name(), "/", "-")))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("raw client: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// TestRedeliveryNeverPulsesTwice sends the same command packet twice, as a
// broker does after a lost PUBACK, both through the emulator's hook and by
// publishing the same bytes twice; the door is pulsed once and every copy
// is answered with the same outcome.
func TestRedeliveryNeverPulsesTwice(t *testing.T) {
	t.Parallel()
	ctl, d := newBank(t, mqtttest.Config{}, mqtt.Config{})
	ctl.RedeliverNext(1)
	if _, err := d.Open(ctx(t), cmd("tx-redeliver", "6")); err != nil {
		t.Fatalf("Open with a redelivery: %v", err)
	}
	if n := ctl.Pulses("6"); n != 1 {
		t.Errorf("pulses after a redelivered command = %d, want 1", n)
	}

	raw := rawClient(t, ctl.BrokerURL())
	var mu sync.Mutex
	var responses []mqtt.ResponseMessage
	tok := raw.Subscribe(ctl.Prefix()+"/"+mqtt.TopicResponse, 1, func(_ paho.Client, m paho.Message) {
		r, err := mqtt.DecodeResponse(m.Payload())
		if err != nil {
			t.Errorf("controller sent a bad response: %v", err)
			return
		}
		mu.Lock()
		responses = append(responses, r)
		mu.Unlock()
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	now := time.Now().UTC()
	b, _ := json.Marshal(mqtt.CommandMessage{MessageID: "m-raw-1", TransactionID: "tx-raw-1", Action: mqtt.ActionOpen,
		Compartment: "7", IssuedAt: now, ExpiresAt: now.Add(30 * time.Second)})
	for i := 0; i < 3; i++ {
		raw.Publish(ctl.Prefix()+"/"+mqtt.TopicCommand, 1, false, b).WaitTimeout(5 * time.Second)
	}
	waitFor(t, "three responses", func() bool { mu.Lock(); defer mu.Unlock(); return len(responses) == 3 })
	if n := ctl.Pulses("7"); n != 1 {
		t.Errorf("pulses after three copies of one command = %d, want 1", n)
	}
	mu.Lock()
	for i, r := range responses {
		if r.MessageID != "m-raw-1" || r.Result != mqtt.ResultOK {
			t.Errorf("response %d = %+v, want ok for m-raw-1", i, r)
		}
	}
	mu.Unlock()
	if n := ctl.Redeliveries(); n != 3 {
		t.Errorf("redeliveries counted = %d, want 3 (1 by hook, 2 raw)", n)
	}
}

// TestControllerRefusals checks the controller side of the contract with
// commands the driver would never send.
func TestControllerRefusals(t *testing.T) {
	t.Parallel()
	ctl := mqtttest.NewController(t, mqtttest.Config{})
	raw := rawClient(t, ctl.BrokerURL())
	got := make(chan mqtt.ResponseMessage, 8)
	raw.Subscribe(ctl.Prefix()+"/"+mqtt.TopicResponse, 1, func(_ paho.Client, m paho.Message) {
		if r, err := mqtt.DecodeResponse(m.Payload()); err == nil {
			got <- r
		}
	}).WaitTimeout(5 * time.Second)
	now := time.Now().UTC()
	tests := []struct {
		name string
		msg  any
		want string
	}{
		{"stale", mqtt.CommandMessage{MessageID: "m1", TransactionID: "t1", Action: "open", Compartment: "1",
			IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(-30 * time.Second)}, mqtt.CodeStaleCommand},
		{"unknown compartment", mqtt.CommandMessage{MessageID: "m2", TransactionID: "t2", Action: "open", Compartment: "42",
			IssuedAt: now, ExpiresAt: now.Add(time.Minute)}, mqtt.CodeUnknownCompartment},
		{"no transaction id", map[string]any{"message_id": "m3", "action": "open", "compartment": "1"}, mqtt.CodeInvalidCommand},
		{"unknown action", map[string]any{"message_id": "m4", "transaction_id": "t4", "action": "explode",
			"issued_at": now, "expires_at": now.Add(time.Minute)}, mqtt.CodeInvalidCommand},
	}
	for _, tt := range tests {
		b, _ := json.Marshal(tt.msg)
		raw.Publish(ctl.Prefix()+"/"+mqtt.TopicCommand, 1, false, b).WaitTimeout(5 * time.Second)
		select {
		case r := <-got:
			if r.Result != mqtt.ResultError || r.ErrorCode != tt.want {
				t.Errorf("%s: response %+v, want error %s", tt.name, r, tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: no response", tt.name)
		}
	}
	for _, id := range []lockers.CompartmentID{"1", "42"} {
		if n := ctl.Pulses(id); n != 0 {
			t.Errorf("compartment %s pulsed %d times by refused commands", id, n)
		}
	}
}

func TestLostAcknowledgement(t *testing.T) {
	t.Parallel()
	ctl, d := newBank(t, mqtttest.Config{}, mqtt.Config{})
	ctl.DropResponses(1)
	res, err := d.Open(ctx(t), cmd("tx-noack", "2"))
	if err != nil || !lockers.Confirmed(res.Status) {
		t.Fatalf("Open whose response was lost = %+v, %v; want success confirmed by the event", res, err)
	}
}

func TestHungController(t *testing.T) {
	t.Parallel()
	ctl, d := newBank(t, mqtttest.Config{HeartbeatInterval: 100 * time.Millisecond},
		mqtt.Config{ResponseTimeout: 300 * time.Millisecond, HeartbeatTimeout: 600 * time.Millisecond})
	w, err := d.Watch(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	ctl.Mute(true)
	if _, err := d.Open(ctx(t), cmd("tx-hung", "1")); !errors.Is(err, lockers.ErrTimeout) && !errors.Is(err, lockers.ErrOffline) {
		t.Fatalf("Open on a hung controller: %v, want ErrTimeout or ErrOffline", err)
	}
	waitEvent(t, w, lockers.EventBoardOffline, "")
	h, _ := d.Health(ctx(t))
	if h.Online || !strings.Contains(h.Detail, "heartbeat") {
		t.Errorf("Health of a silent controller = %+v, want offline by heartbeat", h)
	}
	if _, err := d.Open(ctx(t), cmd("tx-hung-2", "1")); !errors.Is(err, lockers.ErrOffline) {
		t.Errorf("Open once offline: %v, want ErrOffline", err)
	}
	ctl.Mute(false)
	waitEvent(t, w, lockers.EventBoardOnline, "")
	if ctl.Pulses("1") != 0 {
		t.Errorf("a hung controller pulsed")
	}
}

func TestLastWill(t *testing.T) {
	t.Parallel()
	ctl, d := newBank(t, mqtttest.Config{}, mqtt.Config{})
	w, err := d.Watch(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	ctl.GoOffline()
	waitEvent(t, w, lockers.EventBoardOffline, "")
	all, err := d.StatusAll(ctx(t))
	if err != nil || len(all) != 8 {
		t.Fatalf("StatusAll while offline = %v, %v", all, err)
	}
	for _, st := range all {
		if !errors.Is(st.Fault, lockers.ErrOffline) {
			t.Errorf("compartment %s while offline: Fault = %v, want ErrOffline", st.Compartment, st.Fault)
		}
	}
	h, _ := d.Health(ctx(t))
	if h.Online || !strings.Contains(h.Detail, "mqtt_last_will") {
		t.Errorf("Health after the last will = %+v", h)
	}
	if err := ctl.Reconnect(ctx(t)); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, w, lockers.EventBoardOnline, "")
	if _, err := d.Open(ctx(t), cmd("tx-back", "1")); err != nil {
		t.Errorf("Open after the controller came back: %v", err)
	}
}

func TestDoorEvents(t *testing.T) {
	t.Parallel()
	ctl, d := newBank(t, mqtttest.Config{LeftOpenAfter: 200 * time.Millisecond, HeartbeatInterval: 50 * time.Millisecond}, mqtt.Config{})
	w, err := d.Watch(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	ctl.Force("4")
	ev := waitEvent(t, w, lockers.EventDoorForced, "4")
	if ev.Status.Door != lockers.DoorOpen {
		t.Errorf("forced event status = %+v, want door open", ev.Status)
	}
	waitEvent(t, w, lockers.EventDoorLeftOpen, "4")
	ctl.CloseDoor("4")
	waitEvent(t, w, lockers.EventDoorClosed, "4")
	ctl.SetItem("5", true)
	ev = waitEvent(t, w, lockers.EventItemChanged, "5")
	if ev.Status.Item != lockers.PresenceOccupied {
		t.Errorf("item event status = %+v, want occupied", ev.Status)
	}
}

func waitEvent(t *testing.T, ch <-chan lockers.Event, typ lockers.EventType, id lockers.CompartmentID) lockers.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("event channel closed waiting for %v", typ)
			}
			if ev.Type == typ && ev.Compartment == id {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %v event for %q", typ, id)
		}
	}
}

func TestWatchEndsWithContext(t *testing.T) {
	t.Parallel()
	_, d := newBank(t, mqtttest.Config{}, mqtt.Config{})
	c, cancel := context.WithCancel(context.Background())
	w, err := d.Watch(c)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-w:
		for ok {
			_, ok = <-w
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch channel not closed after cancel")
	}
}
