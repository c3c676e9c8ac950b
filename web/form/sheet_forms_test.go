package form_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web/form"
)

func TestSkipForm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    url.Values
		want  queue.SkipInput
		field string
	}{
		{"Quick", url.Values{"type": {" 15m "}, "date": {"2026-03-20"}}, queue.SkipInput{Type: queue.Skip15Minutes}, ""},
		{"Date", url.Values{"type": {"date"}, "date": {"2026-03-20"}}, queue.SkipInput{Type: queue.SkipDate, Date: "2026-03-20"}, ""},
		{"RemoveDoNotCall", url.Values{"type": {"remove"}, "reason": {"asked"}, "do_not_call": {"yes"}},
			queue.SkipInput{Type: queue.SkipRemove, Reason: "asked", DoNotCall: true}, ""},
		{"DoNotCallOnlyWithRemove", url.Values{"type": {"cycle"}, "do_not_call": {"yes"}}, queue.SkipInput{Type: queue.SkipCycle}, ""},
		{"ErrUnknownType", url.Values{"type": {"3h"}}, queue.SkipInput{}, "type"},
		{"ErrNoType", url.Values{}, queue.SkipInput{}, "type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in, err := form.NewSkipForm(post(tc.in)).Input()
			if queue.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) || in != tc.want {
				t.Fatalf("Input() = %+v, %v; want %+v, field %q", in, err, tc.want, tc.field)
			}
		})
	}
}

func TestSupporterFilter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		query string
		want  queue.SupporterQuery
		field string
	}{
		{"", queue.SupporterQuery{}, ""},
		{"status=all&search=+ada+", queue.SupporterQuery{Search: "ada"}, ""},
		{"status=skipped&page_size=20&after=abc", queue.SupporterQuery{Status: queue.SupporterSkipped, PageSize: 20, After: "abc"}, ""},
		{"page_size=0", queue.SupporterQuery{}, "page_size"},
		{"page_size=many", queue.SupporterQuery{}, "page_size"},
	}
	for _, tc := range cases {
		r, _ := http.NewRequest(http.MethodGet, "/?"+tc.query, nil)
		f := form.NewSupporterFilter(r)
		q, err := f.Query()
		if queue.ErrorField(err) != tc.field || (tc.field == "" && q != tc.want) {
			t.Errorf("%q: Query() = %+v, %v; want %+v, field %q", tc.query, q, err, tc.want, tc.field)
		}
	}
	f := form.SupporterFilter{Status: "skipped", Search: "ada"}
	if got := f.Values("next").Encode(); got != "after=next&search=ada&status=skipped" {
		t.Errorf("Values = %q", got)
	}
}

func TestContactCorrectionForm(t *testing.T) {
	t.Parallel()
	f := form.NewContactCorrectionForm(post(url.Values{"contacted": {"no"}, "method": {"sms"}, "notes": {"n"},
		"tags_add": {"a, b,,"}, "tags_remove": {"c", "d"}}))
	in, err := f.Input()
	if err != nil || in.Contacted || in.Method != queue.MethodSMS || len(in.TagsAdd) != 2 || len(in.TagsRemove) != 2 {
		t.Fatalf("Input() = %+v, %v", in, err)
	}
	if _, err := form.NewContactCorrectionForm(post(url.Values{"notes": {"n"}})).Input(); queue.ErrorField(err) != "contacted" {
		t.Fatalf("no Contacted?: %v", err)
	}
	yes := true
	if in, err := (form.ContactCorrection{Contacted: &yes, Notes: "x"}).Input(); err != nil || !in.Contacted {
		t.Fatalf("API Input() = %+v, %v", in, err)
	}
	if _, err := (form.ContactCorrection{}).Input(); queue.ErrorField(err) != "contacted" {
		t.Fatalf("API without contacted: %v", err)
	}
	back := form.ContactCorrectionFormOf(queue.Contact{Contacted: true, Method: queue.MethodPhone, TagsAdded: []string{"a", "b"}})
	if back.Contacted != "yes" || back.TagsAdd != "a, b" {
		t.Fatalf("ContactCorrectionFormOf = %+v", back)
	}
}
