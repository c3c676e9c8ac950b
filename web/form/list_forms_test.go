package form_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

func TestSessionForm(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, value, field string }{
		{"OK", "Ben - 15 Apr - Event RSVPs", ""},
		{"ErrEmpty", "", "name"},
		{"ErrBlank", "   ", "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := form.NewSessionForm(post(url.Values{"name": {tc.value}}))
			if err := f.Validate(); queue.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
				t.Fatalf("Validate() = %v, want field %q", err, tc.field)
			}
		})
	}
	leader := queue.User{FirstName: "Ben"}
	if got := form.SessionFormOf(leader, queue.List{Name: "Event RSVPs"}).Name; got != "Ben - Event RSVPs" {
		t.Fatalf("pre-filled name %q", got)
	}
	if got := form.SessionFormOf(leader, queue.List{Name: strings.Repeat("x", 200)}).Name; len([]rune(got)) != queue.MaxSessionNameLen {
		t.Fatalf("pre-filled name of %d characters", len([]rune(got)))
	}
}

func TestSupporterForm(t *testing.T) {
	t.Parallel()
	f := form.NewSupporterForm(post(url.Values{"first_name": {"Ada"}, "last_name": {"L"}, "phone": {"07911 123456"}}))
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if in := f.Input(); in.FirstName != "Ada" || in.LastName != "L" || in.Phone != "07911 123456" {
		t.Fatalf("Input() = %+v", in)
	}
	if err := form.NewSupporterForm(post(url.Values{"first_name": {" "}})).Validate(); queue.ErrorField(err) != "first_name" {
		t.Fatalf("no first name: %v", err)
	}
	if got := form.NewMemberForm(post(url.Values{"supporter": {" #12 "}})).Supporter; got != "#12" {
		t.Fatalf("member form read %q", got)
	}
}
