package web_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/supporterbase/callingsessions/web"
)

type apiMe struct {
	User struct {
		ID       int64  `json:"id"`
		Email    string `json:"email"`
		Mobile   string `json:"mobile"`
		Timezone string `json:"timezone"`
	} `json:"user"`
	CSRFToken string `json:"csrf_token"`
}

type apiErr struct {
	Error struct {
		Code, Field, Message string
	} `json:"error"`
}

func decode[T any](t *testing.T, pg page) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(pg.body), &v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, pg.body)
	}
	if ct := pg.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	return v
}

func TestAPI(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})

	t.Run("ErrNotLoggedIn", func(t *testing.T) {
		b := p.browser(t)
		pg := b.api(http.MethodGet, "/api/v1/me", "", "")
		wantStatus(t, "GET /me", pg, http.StatusUnauthorized)
		if e := decode[apiErr](t, pg); e.Error.Code != "unauthorized" || e.Error.Message != "log in first" {
			t.Fatalf("error %+v", e)
		}
	})

	b := p.browser(t)
	b.logIn(p.leader.Email, leaderPassword)
	pg := b.api(http.MethodGet, "/api/v1/me", "", "")
	wantStatus(t, "GET /me", pg, http.StatusOK)
	me := decode[apiMe](t, pg)
	if me.User.ID != p.leader.ID || me.User.Email != p.leader.Email || me.CSRFToken == "" {
		t.Fatalf("me = %+v", me)
	}

	bad := []struct {
		name, body, code, field string
		status                  int
	}{
		{"ErrMobile", `{"first_name":"Casey","mobile":"12"}`, "invalid", "mobile", 422},
		{"ErrTimezone", `{"first_name":"Casey","timezone":"Nowhere"}`, "invalid", "timezone", 422},
		{"ErrType", `{"first_name":7}`, "invalid", "first_name", 422},
		{"ErrUnknownField", `{"first_name":"Casey","admin":true}`, "invalid", "", 422},
		{"ErrNotJSON", `first_name=Casey`, "invalid", "", 422},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			pg := b.api(http.MethodPut, "/api/v1/me", tc.body, me.CSRFToken)
			wantStatus(t, tc.name, pg, tc.status)
			if e := decode[apiErr](t, pg); e.Error.Code != tc.code || e.Error.Field != tc.field || e.Error.Message == "" {
				t.Fatalf("error %+v, want %s on %q", e, tc.code, tc.field)
			}
			if u, _ := p.store.User(t.Context(), p.org.ID, p.leader.ID); u.Mobile != "" || u.Timezone != "Europe/London" {
				t.Fatalf("a refused update changed the user: %+v", u)
			}
		})
	}
	t.Run("OKUpdate", func(t *testing.T) {
		pg := b.api(http.MethodPut, "/api/v1/me", `{"first_name":"Casey","mobile":"+44 7400 123456","timezone":"Europe/Dublin"}`, me.CSRFToken)
		wantStatus(t, "PUT /me", pg, http.StatusOK)
		if got := decode[apiMe](t, pg); got.User.Mobile != "+447400123456" || got.User.Timezone != "Europe/Dublin" {
			t.Fatalf("updated me = %+v", got)
		}
	})
	t.Run("PasswordChange", func(t *testing.T) {
		pg := b.api(http.MethodPost, "/api/v1/me/password", `{"current_password":"wrong horse battery","password":"a brand new passphrase"}`, me.CSRFToken)
		wantStatus(t, "wrong current password", pg, http.StatusUnprocessableEntity)
		if e := decode[apiErr](t, pg); e.Error.Field != "current_password" {
			t.Fatalf("error %+v", e)
		}
		pg = b.api(http.MethodPost, "/api/v1/me/password", `{"current_password":"`+leaderPassword+`","password":"a brand new passphrase"}`, me.CSRFToken)
		wantStatus(t, "password change", pg, http.StatusOK)
		renewed := decode[apiMe](t, pg)
		if renewed.CSRFToken == me.CSRFToken {
			t.Fatal("the new session kept the old CSRF token")
		}
		wantStatus(t, "GET /me in the new session", b.api(http.MethodGet, "/api/v1/me", "", ""), http.StatusOK)
		wantStatus(t, "old token", b.api(http.MethodPut, "/api/v1/me", `{"first_name":"Casey"}`, me.CSRFToken), http.StatusForbidden)
	})
}
