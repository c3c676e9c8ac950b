package queue

import "context"

// Contact returns a contact of the organisation as it now reads (after any
// correction), for the page that corrects it (R5.4). ENOTFOUND if the
// organisation has no such contact.
func (s *Store) Contact(ctx context.Context, orgID, contactID int64) (Contact, error) {
	c, err := scanContact(s.pool.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts k
		WHERE k.organisation_id = $1 AND k.id = $2`, orgID, contactID))
	if err != nil {
		return Contact{}, Internal("find contact", notFound(err, "contact"))
	}
	return c, nil
}
