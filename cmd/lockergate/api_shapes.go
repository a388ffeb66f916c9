package main

import (
	"encoding/json"
	"time"
)

// The REST API's JSON shapes as its clients in this command read them:
// the demo, and the end-to-end tests that drive the gateway the same way
// (see gateway/httpapi/openapi.yaml for the whole of each). They are
// written here rather than taken from the server's types so that both
// clients read the wire format, not the server's structs.
type (
	apiError struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	apiLoadResult struct {
		Reservation string   `json:"reservation"`
		Patron      string   `json:"patron"`
		PatronName  string   `json:"patron_name"`
		Compartment string   `json:"compartment"`
		Size        string   `json:"size"`
		Title       string   `json:"title"`
		Shared      bool     `json:"shared"`
		Reassigned  []string `json:"reassigned"`
		// ILLRequest names the interlibrary loan when the item was one
		// the gateway awaited: it knew the patron from the item alone.
		ILLRequest string `json:"ill_request"`
	}
	apiPickupResult struct {
		Reservations []string `json:"reservations"`
		Compartments []string `json:"compartments"`
		Items        []struct {
			Item        string     `json:"item"`
			Compartment string     `json:"compartment"`
			Checkout    string     `json:"checkout"`
			Due         *time.Time `json:"due"`
		} `json:"items"`
		Failed []string `json:"failed"`
	}
	apiReservation struct {
		ID         string     `json:"id"`
		Bank       string     `json:"bank"`
		Patron     string     `json:"patron"`
		State      string     `json:"state"`
		ILLRequest string     `json:"ill_request"`
		ExpiresAt  *time.Time `json:"expires_at"`
		Items      []struct {
			Item        string `json:"item"`
			Compartment string `json:"compartment"`
			State       string `json:"state"`
			CheckedOut  bool   `json:"checked_out"`
		} `json:"items"`
	}
	apiCompartment struct {
		ID       string `json:"id"`
		Size     string `json:"size"`
		SizeRank int    `json:"size_rank"`
		Kind     string `json:"kind"`
		State    string `json:"state"`
		Holder   string `json:"holder"`
		Reason   string `json:"reason"`
	}
	apiBankState struct {
		ID           string           `json:"id"`
		Online       bool             `json:"online"`
		Counts       map[string]int   `json:"counts"`
		Compartments []apiCompartment `json:"compartments"`
	}
	apiAlert struct {
		ID          int64      `json:"id"`
		Kind        string     `json:"kind"`
		Bank        string     `json:"bank"`
		Compartment string     `json:"compartment"`
		Message     string     `json:"message"`
		Active      bool       `json:"active"`
		ClearedAt   *time.Time `json:"cleared_at"`
	}
	apiOutboxEntry struct {
		ID        int64           `json:"id"`
		Op        string          `json:"op"`
		Item      string          `json:"item"`
		Patron    string          `json:"patron"`
		State     string          `json:"state"`
		Attempts  int             `json:"attempts"`
		LastError string          `json:"last_error"`
		DoneAt    *time.Time      `json:"done_at"`
		Result    json.RawMessage `json:"result"`
	}
	// apiILLRequest is an interlibrary loan as staff screens list it.
	apiILLRequest struct {
		ID          string     `json:"id"`
		Partner     string     `json:"partner"`
		Bank        string     `json:"bank"`
		Reservation string     `json:"reservation"`
		Item        string     `json:"item"`
		Patron      string     `json:"patron"`
		PatronName  string     `json:"patron_name"`
		Title       string     `json:"title"`
		Due         *time.Time `json:"due"`
		InILS       bool       `json:"in_ils"`
		State       string     `json:"state"`
	}
	// apiArrival is the answer to a staff scan of an ILL parcel away from
	// its bank: the compartment reserved for it.
	apiArrival struct {
		Bank        string `json:"bank"`
		Compartment string `json:"compartment"`
		Size        string `json:"size"`
		Patron      string `json:"patron"`
		PatronName  string `json:"patron_name"`
		Title       string `json:"title"`
		Request     string `json:"request"`
		Reservation string `json:"reservation"`
		Repeated    bool   `json:"repeated"`
	}
	apiEquipment struct {
		Item        string `json:"item"`
		Compartment string `json:"compartment"`
		Type        string `json:"type"`
		State       string `json:"state"`
	}
)
