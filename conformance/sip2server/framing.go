package sip2server

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// Tier 1: framing. These cases check the envelope of every message (code,
// terminator, AY, AZ) and nothing inside it, each on its own, so that a
// server that gets one of them wrong fails that case by name. They log in
// with a loose check (any 941) for the same reason.

// openLoose dials and logs in accepting any 941, whatever its checksum,
// sequence number or terminator. The login's reply is returned for the
// case to examine.
func openLoose(ctx context.Context, cfg *Config, t *conformance.T) (*wire, *reply, int, error) {
	w, err := dial(ctx, cfg, t)
	if err != nil {
		return nil, nil, 0, err
	}
	r, seq, err := send(ctx, w, cfg.loginReq(cfg.User, cfg.Password))
	if err != nil {
		w.close()
		return nil, nil, 0, fmt.Errorf("setup: login: %v", err)
	}
	if !strings.HasPrefix(r.raw, "941") {
		w.close()
		return nil, nil, 0, fmt.Errorf("setup: login: the ACS answered %q, not 941: check the user, password and location", clip(r.raw, 3))
	}
	return w, r, seq, nil
}

// tryLogin dials and sends Login (93) for the configured user with
// password, checking nothing, and returns what came back. The connection
// is closed when it returns.
func tryLogin(ctx context.Context, cfg *Config, t *conformance.T, password string) (*reply, error) {
	w, err := dial(ctx, cfg, t)
	if err != nil {
		return nil, err
	}
	defer w.close()
	r, _, err := send(ctx, w, cfg.loginReq(cfg.User, password))
	return r, err
}

// probeRequests are the requests the framing cases send after the login:
// 99, 17 and 23, which every ACS answers.
func probeRequests(cfg *Config) []sip2.Message {
	return []sip2.Message{statusReq(), cfg.itemInfoReq(cfg.Item), cfg.patronStatusReq(cfg.Patron, cfg.PIN)}
}

// framingProbe logs in loosely and sends probeRequests, returning every
// reply with the sequence number its request carried.
func framingProbe(ctx context.Context, cfg *Config, t *conformance.T) ([]*reply, []int, error) {
	w, r, seq, err := openLoose(ctx, cfg, t)
	if err != nil {
		return nil, nil, err
	}
	defer w.close()
	replies, seqs := []*reply{r}, []int{seq}
	for _, m := range probeRequests(cfg) {
		r, seq, err := send(ctx, w, m)
		if err != nil {
			return nil, nil, err
		}
		replies, seqs = append(replies, r), append(seqs, seq)
	}
	return replies, seqs, nil
}

// eachReply is the body of a framing case: it judges every reply of
// framingProbe, the login's included, with check, which is also given the
// sequence number the reply's request carried, and fails on the first it
// rejects. With edOnly, a run without error detection skips the case.
func eachReply(cfg *Config, edOnly bool, check func(r *reply, seq int) error) func(context.Context, *conformance.T) error {
	return func(ctx context.Context, t *conformance.T) error {
		if edOnly && !cfg.ed() {
			return conformance.Skipf("error detection is off in this run")
		}
		replies, seqs, err := framingProbe(ctx, cfg, t)
		if err != nil {
			return err
		}
		for i, r := range replies {
			if err := check(r, seqs[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

var upperHex4 = regexp.MustCompile(`^[0-9A-F]{4}$`)

func framing(b *builder) {
	cfg := b.cfg
	g := b.group("framing", "Tier 1: framing, checksums and sequence numbers")

	// SIP2 2.00, Login (93): the SC sends its user ID and password; the
	// ACS answers with the Login Response (94), whose ok field is 1 when
	// the login is accepted and 0 when it is not.
	g.add(&conformance.Case{
		Title:       "A login is answered with a Login Response (94)",
		Requirement: "The ACS answers Login (93) with Login Response 94 whose ok field is 1 (accepted) or 0 (refused).",
		Level:       conformance.Must,
		Run: func(ctx context.Context, t *conformance.T) error {
			r, err := tryLogin(ctx, cfg, t, cfg.Password)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(r.raw, "941") && !strings.HasPrefix(r.raw, "940") {
				return conformance.Failf("941 or 940", "%q", clip(r.raw, 8))
			}
			return nil
		},
	})

	// SIP2 2.00, error detection (sip2.md §1.1): "The checksum is four
	// ASCII character digits representing the binary sum of the characters
	// including the first character of the transmission and up to and
	// including the checksum field identifier characters."
	g.add(&conformance.Case{
		Title:       "Every response carries a valid checksum (AZ)",
		Requirement: "With error detection on, each response ends in AZ and four hex digits: the two's complement of the 16-bit sum of its bytes up to and including \"AZ\".",
		Level:       conformance.Must,
		Run: eachReply(cfg, true, func(r *reply, _ int) error {
			switch {
			case r.frame == nil:
				return conformance.Failf("a message with AZ", "%v", r.perr)
			case r.frame.Verdict == sip2.ChecksumAbsent:
				return conformance.Failf("AZ at the end of "+string(r.cmd()), "no checksum")
			case r.frame.Verdict == sip2.ChecksumInvalid:
				return conformance.Failf(fmt.Sprintf("AZ%s on %s", r.frame.ExpectedChecksum(), r.cmd()), "AZ%s", r.frame.Checksum)
			}
			return nil
		}),
	})

	// SIP2 2.00, error detection (paraphrased): with error detection the
	// ACS's response includes a sequence number field whose value matches
	// the sequence number of the message it responds to.
	g.add(&conformance.Case{
		Title:       "Every response echoes the request's sequence number (AY)",
		Requirement: "With error detection on, the ACS's response carries AY with the same digit as the request it answers.",
		Level:       conformance.Must,
		Run: eachReply(cfg, true, func(r *reply, seq int) error {
			if r.frame == nil {
				return conformance.Failf("a parsable "+string(r.cmd()), "%v", r.perr)
			}
			if r.frame.Seq != seq {
				got := "no AY"
				if r.frame.Seq >= 0 {
					got = fmt.Sprintf("AY%d", r.frame.Seq)
				}
				return conformance.Failf(fmt.Sprintf("AY%d on the %s", seq, r.cmd()), "%s", got)
			}
			return nil
		}),
	})

	// SIP2 2.00, protocol rules (sip2.md §1): "All messages must end in a
	// carriage return (hexadecimal 0d)… cannot be used elsewhere."
	g.add(&conformance.Case{
		Title:       "Responses end in a carriage return, not a bare line feed",
		Requirement: "Every response ends in CR (0x0D); a response ended by LF alone is not SIP2.",
		Level:       conformance.Must,
		Run: eachReply(cfg, false, func(r *reply, _ int) error {
			if !strings.HasPrefix(r.term, "\r") {
				return conformance.Failf("CR after the "+string(r.cmd()), "%q", r.term)
			}
			return nil
		}),
	})

	// Same rule: CR is the terminator, and "cannot be used elsewhere"; an
	// LF after it is a stray byte between messages. Koha's default output
	// terminator is CRLF (terminator="CR" fixes it; sip2.md §0.4), which
	// many SCs tolerate, so this is a recommendation.
	g.add(&conformance.Case{
		Title:       "Responses end in CR alone, without a following LF",
		Requirement: "The terminator is CR; an LF after it (CRLF, Koha's default) is a byte outside any message that strict SCs reject.",
		Level:       conformance.Should,
		Run: func(ctx context.Context, t *conformance.T) error {
			w, _, _, err := openLoose(ctx, cfg, t)
			if err != nil {
				return err
			}
			defer w.close()
			for range 2 {
				if _, _, err := send(ctx, w, statusReq()); err != nil {
					return err
				}
			}
			if w.sawCRLF {
				t.Notef("Koha sends CRLF unless the account has terminator=\"CR\"")
				return conformance.Failf("CR", "CR LF")
			}
			return nil
		},
	})

	// SIP2 is a request/response protocol: each response answers the
	// request before it. Three requests written back to back must be
	// answered in the order they were sent.
	g.add(&conformance.Case{
		Title:       "Responses come in the order of the requests",
		Requirement: "Requests sent back to back (99, 17, 23) are answered in order: 98, 18, 24, each with its request's AY.",
		Level:       conformance.Must,
		Run: func(ctx context.Context, t *conformance.T) error {
			w, _, _, err := openLoose(ctx, cfg, t)
			if err != nil {
				return err
			}
			defer w.close()
			reqs := probeRequests(cfg)
			var batch []byte
			var seqs []int
			var want []sip2.Command
			for _, m := range reqs {
				b, seq, err := w.encode(m)
				if err != nil {
					return err
				}
				batch = append(batch, b...)
				seqs = append(seqs, seq)
				rc, _ := m.Command().Response()
				want = append(want, rc)
			}
			if err := w.write(ctx, batch); err != nil {
				return err
			}
			var got []string
			for i := range reqs {
				r, err := w.read(ctx)
				if err != nil {
					if ctx.Err() != nil {
						return err
					}
					return conformance.Failf(fmt.Sprintf("%d responses", len(reqs)), "%d, then: %v", i, err)
				}
				tag := string(r.cmd())
				if r.frame != nil && r.frame.Seq >= 0 {
					tag += fmt.Sprintf("/AY%d", r.frame.Seq)
				}
				got = append(got, tag)
				if r.cmd() != want[i] || (cfg.ed() && (r.frame == nil || r.frame.Seq != seqs[i])) {
					var exp []string
					for j := range want {
						e := string(want[j])
						if seqs[j] >= 0 {
							e += fmt.Sprintf("/AY%d", seqs[j])
						}
						exp = append(exp, e)
					}
					return conformance.Failf(strings.Join(exp, ", "), "%s…", strings.Join(got, ", "))
				}
			}
			return nil
		},
	})

	// The checksum is "four ASCII character digits", in practice upper-
	// case hexadecimal, zero-padded; old openncip code space-padded it
	// ("%4X", sip2.md §1.1), which strict SCs read as a bad checksum.
	g.add(&conformance.Case{
		Title:       "Checksums are four upper-case, zero-padded hex digits",
		Requirement: "The AZ value is four characters 0-9/A-F: upper case, zero-padded, never space-padded.",
		Level:       conformance.Should,
		Run: eachReply(cfg, true, func(r *reply, _ int) error {
			if r.frame == nil || !upperHex4.MatchString(r.frame.Checksum) {
				cs := ""
				if r.frame != nil {
					cs = r.frame.Checksum
				}
				return conformance.Failf("AZ and 4 upper-case hex digits on "+string(r.cmd()), "AZ%q", cs)
			}
			return nil
		}),
	})
}
