package main

// frontdoors.go: the configuration of the gateway's protocol front doors
// (NCIP for ILL systems, SIP2 for self-check software) and of the NCIP side
// of its ILS adapters, turned into the packages' own configurations.

import (
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/gateway/ils"
	"github.com/lockergate/lockergate/gateway/ncipdoor"
	"github.com/lockergate/lockergate/gateway/sip2door"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

// ncipAdapter builds the NCIP side of an ILS adapter.
func ncipAdapter(n *config.NCIP) (*ils.NCIP, error) {
	return ils.NewNCIP(ils.NCIPConfig{
		URL:         n.URL,
		Token:       n.Token.Reveal(),
		TokenHeader: n.TokenHeader,
		FromAgency:  n.FromAgency,
		ToAgency:    n.ToAgency,
		Circulation: n.Circulation,
		Timeout:     n.Timeout.D(),
	})
}

// ncipUpstream is a client of an ILS's NCIP responder for the messages the
// NCIP front door passes through; nil when the ILS has no NCIP.
func ncipUpstream(def *config.ILS) ncipdoor.Upstream {
	if def == nil || def.NCIP == nil {
		return nil
	}
	n := def.NCIP
	return ncipclient.New(n.URL, ncipclient.Options{
		Token:       n.Token.Reveal(),
		TokenHeader: n.TokenHeader,
		Timeout:     n.Timeout.D(),
		// The front door asks for retries of lookups only; what changes
		// something is sent once.
		Profile: ncipclient.Profile{FromAgency: n.FromAgency, ToAgency: n.ToAgency},
	})
}

// ncipResponder builds the NCIP front door; nil when no partner is
// configured.
func ncipResponder(cfg *config.Config, svc *gateway.Service, log *logrus.Logger) (*ncipdoor.Responder, error) {
	fd := cfg.NCIPFrontDoor
	if len(fd.Partners) == 0 {
		return nil, nil
	}
	var partners []ncipdoor.Partner
	for i, p := range fd.Partners {
		site := p.Site
		if site == "" && len(cfg.Sites) == 1 {
			site = cfg.Sites[0].ID
		}
		var ilsName string
		for _, s := range cfg.Sites {
			if s.ID == site {
				ilsName = s.ILS
			}
		}
		loc, err := p.Location()
		if err != nil {
			return nil, fmt.Errorf("ncip_front_door.partners[%d].time_zone: %w", i, err)
		}
		partners = append(partners, ncipdoor.Partner{
			Agency:          p.Agency,
			Auth:            p.Auth,
			Header:          p.Header,
			Token:           p.Token.Reveal(),
			PickupLocations: p.PickupLocations,
			ItemID:          p.ItemID,
			TimeZone:        loc,
			StrictCheckIn:   p.StrictCheckIn,
			Values:          p.Values,
			Upstream:        ncipUpstream(cfg.ILS[ilsName]),
		})
	}
	return ncipdoor.New(ncipdoor.Config{Partners: partners, Gateway: svc, Log: log})
}

// sip2Door builds the SIP2 front door; nil when none is configured.
func sip2Door(cfg *config.Config, svc *gateway.Service, pools map[string]*ils.SIP2, log *logrus.Logger) (*sip2door.Door, error) {
	fd := cfg.SIP2FrontDoor
	if fd.Listen == "" {
		return nil, nil
	}
	dc := sip2door.Config{Loader: svc, Log: log, Upstreams: map[string]sip2door.Upstream{}}
	for name, a := range pools {
		dc.Upstreams[name] = a.Pool()
	}
	for _, s := range cfg.Sites {
		for _, b := range s.Banks {
			dc.Banks = append(dc.Banks, sip2door.Bank{ID: b.ID, Location: b.Location})
		}
	}
	for i, a := range fd.Accounts {
		opts, err := a.ConnOptions()
		if err != nil {
			return nil, fmt.Errorf("sip2_front_door.accounts[%d]: %w", i, err)
		}
		up := a.ILS
		if up == "" && len(cfg.ILS) == 1 {
			for name := range cfg.ILS {
				up = name
			}
		}
		dc.Accounts = append(dc.Accounts, sip2door.Account{
			Login: a.Login, Password: a.Password.Reveal(), Institution: a.Institution,
			Banks: a.Banks, Upstream: up, Options: opts, RequireTLS: a.RequireTLS,
		})
	}
	var err error
	if dc.TLS, err = fd.TLSConfig(); err != nil {
		return nil, err
	}
	return sip2door.New(dc)
}
