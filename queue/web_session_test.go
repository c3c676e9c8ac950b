package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/queue/pgtest"
)

// loginWorld is a store on a hand-moved clock with one user.
func loginWorld(t *testing.T) (*queue.Store, *testClock, queue.User) {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	s := queue.NewStore(pgtest.NewPool(t), clock)
	s.PasswordCost = 4
	org := mustOrganisation(t, s, "logins")
	u, err := s.CreateUser(context.Background(), org.ID, validUser("leader@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	return s, clock, u
}

func TestWebSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, u := loginWorld(t)
	loggedOut := func(t *testing.T, token string) {
		t.Helper()
		if _, err := s.WebSessionByToken(ctx, token); queue.ErrorCode(err) != queue.EUNAUTHORIZED {
			t.Fatalf("session still live: %v", err)
		}
	}

	t.Run("OK", func(t *testing.T) {
		token, created, err := s.CreateWebSession(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.WebSessionByToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != created.ID || got.User.ID != u.ID || got.User.Email != u.Email || len(got.CSRFToken) < 32 {
			t.Fatalf("got %+v, want session %d of user %d", got, created.ID, u.ID)
		}
		var stored int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM web_sessions WHERE token_hash = convert_to($1, 'UTF8')`, token).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("the token itself is stored (%d rows, %v)", stored, err)
		}
	})
	t.Run("ErrUnknownToken", func(t *testing.T) {
		loggedOut(t, "not-a-token")
		loggedOut(t, "")
	})
	t.Run("ErrIdle", func(t *testing.T) {
		token, _, err := s.CreateWebSession(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // used every 11 hours: alive
			clock.Advance(11 * time.Hour)
			if _, err := s.WebSessionByToken(ctx, token); err != nil {
				t.Fatalf("used session expired: %v", err)
			}
		}
		clock.Advance(queue.WebSessionIdle)
		loggedOut(t, token)
	})
	t.Run("ErrMaxAge", func(t *testing.T) {
		token, _, err := s.CreateWebSession(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for used := time.Duration(0); used < queue.WebSessionMaxAge-11*time.Hour; used += 11 * time.Hour {
			clock.Advance(11 * time.Hour)
			if _, err := s.WebSessionByToken(ctx, token); err != nil {
				t.Fatalf("session ended after %v: %v", used, err)
			}
		}
		clock.Advance(11 * time.Hour)
		loggedOut(t, token)
	})
	t.Run("Logout", func(t *testing.T) {
		token, _, err := s.CreateWebSession(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteWebSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		loggedOut(t, token)
		if err := s.DeleteWebSession(ctx, token); err != nil {
			t.Fatalf("second logout: %v", err)
		}
	})
}

func TestWebSessionsPurged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clock, u := loginWorld(t)
	for range 3 {
		if _, _, err := s.CreateWebSession(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(queue.WebSessionIdle + time.Second)
	if _, _, err := s.CreateWebSession(ctx, u); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM web_sessions`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d session rows after expiry, want the new one only (%v)", rows, err)
	}
}

func TestFlash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, u := loginWorld(t)
	token, ws, err := s.CreateWebSession(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	flash := func() string {
		t.Helper()
		got, err := s.WebSessionByToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		return got.Flash
	}
	if got := flash(); got != "" {
		t.Fatalf("new session has flash %q", got)
	}
	if err := s.SetFlash(ctx, ws.ID, "Profile saved."); err != nil {
		t.Fatal(err)
	}
	if got := flash(); got != "Profile saved." {
		t.Fatalf("flash = %q", got)
	}
	// A page showed the first alert while a second action set another: the
	// second survives.
	if err := s.SetFlash(ctx, ws.ID, "Password changed."); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearFlash(ctx, ws.ID, "Profile saved."); err != nil {
		t.Fatal(err)
	}
	if got := flash(); got != "Password changed." {
		t.Fatalf("flash = %q after clearing an older one", got)
	}
	if err := s.ClearFlash(ctx, ws.ID, "Password changed."); err != nil {
		t.Fatal(err)
	}
	if got := flash(); got != "" {
		t.Fatalf("flash = %q after clearing", got)
	}
}
