package web

import (
	"bytes"
	"fmt"

	"github.com/supporterbase/callingsessions/queue"
)

// RenderPart writes one template of the page alone, without the layout: a
// fragment a script fetches and swaps into the page shown (the dashboard's
// live parts, R3). It gets what Render gives a page but the navigation and
// the success alert, which stays for the next whole page.
func (v *view) RenderPart(name string) {
	tpl, ok := v.s.pages[v.page]
	if !ok {
		v.s.fail(v.w, v.r, queue.Internal("render", fmt.Errorf("no page %q", v.page)))
		return
	}
	ws, loggedIn := webSessionFrom(v.r.Context())
	v.data["Page"] = v.page
	v.data["Nonce"] = nonceFrom(v.r.Context())
	v.data["CSRF"] = v.s.csrfToken(v.w, v.r)
	v.data["User"] = (*queue.User)(nil)
	if loggedIn {
		v.data["User"] = &ws.User
	}
	var part bytes.Buffer
	if err := tpl.ExecuteTemplate(&part, name, v.data); err != nil {
		v.renderFailed(err)
		return
	}
	h := v.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	v.w.WriteHeader(v.status)
	_, _ = v.w.Write(part.Bytes())
}
