package web

// RenderPart writes one template of the page alone, without the layout: a
// fragment a script fetches and swaps into the page shown (the dashboard's
// live parts, R3). It gets what Render gives a page but the navigation and
// the success alert, which stays for the next whole page.
func (v *view) RenderPart(name string) { v.execute(name) }
