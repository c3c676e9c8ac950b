package queue

import "context"

// OrganisationSummary counts what an organisation holds. The home page of
// an operator's fresh install shows it; it is not shown to panel users.
type OrganisationSummary struct {
	Name                             string
	Users, Groups, Lists, Supporters int64
}

// Summary counts users, groups, lists and supporters per organisation.
func (s *Store) Summary(ctx context.Context) ([]OrganisationSummary, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT o.name,
			(SELECT count(*) FROM users u WHERE u.organisation_id = o.id),
			(SELECT count(*) FROM supporter_groups g WHERE g.organisation_id = o.id),
			(SELECT count(*) FROM call_lists l WHERE l.organisation_id = o.id),
			(SELECT count(*) FROM supporters p WHERE p.organisation_id = o.id)
		FROM organisations o ORDER BY o.name`)
	if err != nil {
		return nil, Internal("summarise organisations", err)
	}
	defer rows.Close()
	var out []OrganisationSummary
	for rows.Next() {
		var o OrganisationSummary
		if err := rows.Scan(&o.Name, &o.Users, &o.Groups, &o.Lists, &o.Supporters); err != nil {
			return nil, Internal("summarise organisations", err)
		}
		out = append(out, o)
	}
	return out, Internal("summarise organisations", rows.Err())
}
