package queue_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

func TestLogIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, u := loginWorld(t)
	home := netip.MustParseAddr("192.0.2.1")
	cases := []struct {
		name, email, password string
		code                  string
	}{
		{"OK", "leader@example.org", "correct horse battery", ""},
		{"OKSpacesAndCase", "  Leader@Example.org ", "correct horse battery", ""},
		{"ErrWrongPassword", "leader@example.org", "wrong horse battery", queue.EUNAUTHORIZED},
		{"ErrUnknownEmail", "ghost@example.org", "correct horse battery", queue.EUNAUTHORIZED},
		{"ErrHugeEmail", string(make([]byte, 300)) + "@example.org", "x", queue.EUNAUTHORIZED},
		{"ErrNotUTF8", "\xff@example.org", "x", queue.EUNAUTHORIZED},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.LogIn(ctx, tc.email, tc.password, home)
			if queue.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want code %q", err, tc.code)
			}
			if tc.code == "" && got.ID != u.ID {
				t.Fatalf("logged in as %d, want %d", got.ID, u.ID)
			}
			if tc.code != "" && queue.ErrorMessage(err) != "email or password is wrong" {
				t.Fatalf("message %q tells more than the one answer", queue.ErrorMessage(err))
			}
		})
	}
}

func TestLogInThrottledPerAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, _ := loginWorld(t)
	for _, email := range []string{"leader@example.org", "ghost@example.org"} { // known or not, alike
		for i := range queue.MaxLoginFailuresPerAccount {
			// From a new address each time: the account's count applies.
			from := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
			if _, err := s.LogIn(ctx, email, "wrong horse battery", from); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
				t.Fatalf("%s failure %d: %v", email, i+1, err)
			}
		}
		_, err := s.LogIn(ctx, email, "correct horse battery", netip.MustParseAddr("203.0.113.9"))
		if queue.ErrorCode(err) != queue.ETHROTTLED {
			t.Fatalf("%s: login after %d failures = %v, want throttled", email, queue.MaxLoginFailuresPerAccount, err)
		}
	}
	clock.Advance(queue.LoginWindow)
	if _, err := s.LogIn(ctx, "leader@example.org", "correct horse battery", netip.MustParseAddr("203.0.113.9")); err != nil {
		t.Fatalf("login after the window: %v", err)
	}
	var rows int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM login_attempts`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d attempts kept after the window and a success, want none (%v)", rows, err)
	}
}

func TestLogInThrottledPerAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, u := loginWorld(t)
	attacker := netip.MustParseAddr("2001:db8::1")
	// A few guesses at many accounts: no account reaches its own limit.
	// Known accounts, whose cheap test hashes keep this quick.
	perAccount := queue.MaxLoginFailuresPerAccount - 1
	for i := range queue.MaxLoginFailuresPerAddress {
		email := fmt.Sprintf("user%d@example.org", i/perAccount)
		if i%perAccount == 0 {
			if _, err := s.CreateUser(ctx, u.OrganisationID, validUser(email)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.LogIn(ctx, email, "Summer2026!!", attacker); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := s.LogIn(ctx, u.Email, "correct horse battery", attacker); queue.ErrorCode(err) != queue.ETHROTTLED {
		t.Fatalf("address not throttled: %v", err)
	}
	if _, err := s.LogIn(ctx, u.Email, "correct horse battery", netip.MustParseAddr("2001:db8::2")); err != nil {
		t.Fatalf("another address throttled too: %v", err)
	}
	clock.Advance(queue.LoginWindow + time.Second)
	if _, err := s.LogIn(ctx, u.Email, "correct horse battery", attacker); err != nil {
		t.Fatalf("address still throttled after the window: %v", err)
	}
}
