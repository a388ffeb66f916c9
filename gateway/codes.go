package gateway

// codes.go: pickup codes, keyed hashes and lockouts.
//
// A pickup code is CodeLength random digits (crypto/rand). Only its keyed
// hash, HMAC-SHA256(Config.Secret, bank, code), is stored, so the database
// alone does not reveal a code, and the same code may exist at two banks.
// Codes are unique among the active reservations of a bank: the store
// refuses a duplicate hash and the caller draws again.
//
// Failed attempts are counted per card ("card:<keyed hash of the card>")
// and per bank ("bank:<id>", every wrong PIN or code there):
//
//	0 failures ─fail─► n failures (window starts) ─fail × MaxFailures─► locked until now+Lockout
//	window over, or lock over ─► the next failure starts a new window
//	a correct PIN ─► the card's counter is deleted (the bank's is not: it
//	                  guards against guessing across cards)

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"
)

// newCode returns n random decimal digits.
func newCode(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 16)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("gateway: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			// 250 is the largest multiple of 10 under 256: rejecting the
			// rest keeps every digit equally likely.
			if b < 250 && len(out) < n {
				out = append(out, '0'+b%10)
			}
		}
	}
	return string(out)
}

// keyed returns the hex HMAC-SHA256 of the parts under the service secret.
// The parts are length-prefixed so that ("ab","c") and ("a","bc") differ.
func (s *Service) keyed(parts ...string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	for _, p := range parts {
		fmt.Fprintf(m, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(m.Sum(nil))
}

// codeHash is the stored form of a pickup code at a bank.
func (s *Service) codeHash(bank, code string) string { return s.keyed("code", bank, code) }

// patronHash names a patron in logs, audit lines and events without the
// card number.
func (s *Service) patronHash(id string) string {
	if id == "" {
		return ""
	}
	return s.keyed("patron", id)[:24]
}

// PatronHash is the keyed hash that names a patron (by id or card number)
// in events, audit actors and outbox listings, so that a staff tool can
// find a patron's traces without the card number being stored in them.
func (s *Service) PatronHash(id string) string { return s.patronHash(id) }

// patronActor is the audit actor for a patron.
func (s *Service) patronActor(id string) string { return "patron:" + s.patronHash(id) }

// cardKey is the failed-attempt key of a card.
func (s *Service) cardKey(card string) string { return "card:" + s.keyed("card", card)[:32] }

// bankKey is the failed-attempt key of a bank.
func bankKey(bank string) string { return "bank:" + bank }

// lockKey is one failed-attempt counter and its threshold.
type lockKey struct {
	key string
	max int
}

func (s *Service) lockKeys(site *Site, bank, card string) []lockKey {
	keys := []lockKey{{bankKey(bank), site.BankMaxFailures}}
	if card != "" {
		keys = append(keys, lockKey{s.cardKey(card), site.MaxFailures})
	}
	return keys
}

// checkLocked returns ELOCKED when any of the counters is locked now.
func (s *Service) checkLocked(ctx context.Context, keys []lockKey) error {
	now := s.now()
	var until time.Time
	err := s.store.View(ctx, func(tx Tx) error {
		until = time.Time{}
		for _, k := range keys {
			a, err := tx.Attempts(k.key)
			if err != nil {
				return err
			}
			if a.LockedUntil.After(now) && a.LockedUntil.After(until) {
				until = a.LockedUntil
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return lockedError(until.Sub(now))
	}
	return nil
}

// lockedError is the ELOCKED error of a lock with left to run. Its cause
// says how long, so that the REST API can send Retry-After.
func lockedError(left time.Duration) *Error {
	mins := int(math.Ceil(left.Minutes()))
	if mins < 1 {
		mins = 1
	}
	e := Errorf(ELOCKED, "too many failed attempts: try again in %d minute(s), or ask staff", mins)
	e.Err = &lockout{left: left}
	return e
}

// lockout is the cause of an ELOCKED error.
type lockout struct{ left time.Duration }

// Error says how long the lock lasts.
func (l *lockout) Error() string { return fmt.Sprintf("locked out for %s", l.left.Round(time.Second)) }

// RetryAfter is how long the lock had left to run when the error was made.
func (l *lockout) RetryAfter() time.Duration { return l.left }

// recordFailure counts one failed attempt on each counter and reports
// whether one of them is now locked (and for how long).
func (s *Service) recordFailure(ctx context.Context, site *Site, keys []lockKey) (time.Duration, error) {
	now := s.now()
	var left time.Duration
	err := s.store.Tx(ctx, func(tx Tx) error {
		left = 0
		for _, k := range keys {
			a, err := tx.Attempts(k.key)
			if err != nil {
				return err
			}
			windowOver := a.Failures == 0 || now.Sub(a.First) > site.FailureWindow
			lockOver := !a.LockedUntil.IsZero() && !now.Before(a.LockedUntil)
			if windowOver || lockOver {
				a = Attempts{Key: k.key, First: now}
			}
			a.Key = k.key
			a.Failures++
			if a.Failures >= k.max {
				a.LockedUntil = now.Add(site.Lockout)
				left = max(left, site.Lockout)
			}
			if err := tx.PutAttempts(a); err != nil {
				return err
			}
		}
		return nil
	})
	return left, err
}

// resetCard deletes a card's failed-attempt counter after a correct PIN.
func (s *Service) resetCard(ctx context.Context, card string) error {
	key := s.cardKey(card)
	return s.store.Tx(ctx, func(tx Tx) error {
		a, err := tx.Attempts(key)
		if err != nil || a.Failures == 0 {
			return err
		}
		return tx.PutAttempts(Attempts{Key: key})
	})
}

// failed records a failed attempt and returns the error to show: err
// itself, or ELOCKED when this failure locked a counter.
func (s *Service) failed(ctx context.Context, site *Site, keys []lockKey, err *Error) error {
	left, ferr := s.recordFailure(ctx, site, keys)
	if ferr != nil {
		s.log.WithError(ferr).Error("recording a failed attempt")
		return err
	}
	if left > 0 {
		e := lockedError(left)
		e.Message = err.Message + "; " + e.Message
		return e
	}
	return err
}
