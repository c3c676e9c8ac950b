// Package form reads the panel's forms from requests, one type per form
// (LoginForm, ProfileForm, PasswordForm), and checks what only the form
// knows: a box left empty, a confirmation that differs. The rules of the
// data themselves are the queue's, so a page and the API refuse the same
// input with the same message. Errors are queue errors naming the input
// (its name attribute) at fault, which the page shows beside it.
//
// A page handler reads and checks its form, calls the queue, and on an
// error shows the form again, refilled:
//
//	f := form.NewProfileForm(r)
//	if _, err := s.store.UpdateProfile(ctx, u.OrganisationID, u.ID, f.Profile()); err != nil {
//		s.view(w, r, "profile_edit").Set("Form", f).RenderError(err)
//		return
//	}
package form
