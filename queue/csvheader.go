package queue

import (
	"fmt"
	"strings"
)

// ImportColumn is one column a supporter CSV file may have (R1.5). Headers
// are matched case-insensitively, ignoring surrounding spaces and treating
// "_", "-" and runs of spaces alike, against Name and Aliases.
type ImportColumn struct {
	Name     string
	Aliases  []string
	Required bool
	About    string
}

// importColumns is the one table of accepted headers: the importer and the
// command's --help both read it, so they cannot disagree.
var importColumns = []ImportColumn{
	{Name: "first_name", Aliases: []string{"first name", "firstname", "given name", "forename"},
		About: "given name, up to 100 characters"},
	{Name: "last_name", Aliases: []string{"surname", "last name", "lastname", "family name"},
		About: "family name, up to 100 characters"},
	{Name: "phone", Aliases: []string{"phone number", "mobile", "telephone", "tel", "number"}, Required: true,
		About: "required; read in the organisation's region unless it starts with +"},
	{Name: "email", Aliases: []string{"e-mail", "email address"},
		About: "an email address, or empty"},
	{Name: "tags", Aliases: []string{"tag", "labels"},
		About: `tags separated by "," or ";"`},
	{Name: "timezone", Aliases: []string{"time zone", "tz"},
		About: "IANA zone such as Europe/London; else the number's or the org's"},
}

// ImportColumns returns the columns a supporter CSV file may have.
func ImportColumns() []ImportColumn {
	out := make([]ImportColumn, len(importColumns))
	copy(out, importColumns)
	return out
}

// importColumnByHeader maps every normalised spelling to its column name.
var importColumnByHeader = func() map[string]string {
	m := make(map[string]string)
	for _, c := range importColumns {
		m[headerKey(c.Name)] = c.Name
		for _, a := range c.Aliases {
			m[headerKey(a)] = c.Name
		}
	}
	return m
}()

// headerKey folds a header cell to the form aliases are compared in:
// "  E_Mail " and "e-mail" both become "e mail".
func headerKey(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.NewReplacer("_", " ", "-", " ").Replace(h)
	return strings.Join(strings.Fields(h), " ")
}

// columnMap says, for each known column, which cell of a row holds it (-1
// when the file does not have that column).
type columnMap struct {
	firstName, lastName, phone, email, tags, timezone int
	width                                             int // cells in the header
}

func (m columnMap) has(i int) bool { return i >= 0 }

// mapHeader reads a header row. It refuses unknown, unnamed and repeated
// columns and a missing phone column, naming them, so a file whose columns
// were misread never writes a supporter.
func mapHeader(header []string) (columnMap, error) {
	m := columnMap{firstName: -1, lastName: -1, phone: -1, email: -1, tags: -1, timezone: -1, width: len(header)}
	slots := map[string]*int{
		"first_name": &m.firstName, "last_name": &m.lastName, "phone": &m.phone,
		"email": &m.email, "tags": &m.tags, "timezone": &m.timezone,
	}
	var unknown, unnamed, repeated []string
	for i, h := range header {
		key := headerKey(h)
		if key == "" {
			unnamed = append(unnamed, fmt.Sprint(i+1))
			continue
		}
		name, ok := importColumnByHeader[key]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", strings.TrimSpace(h)))
			continue
		}
		slot := slots[name]
		if *slot >= 0 {
			repeated = append(repeated, fmt.Sprintf("%q and %q (both %s)", strings.TrimSpace(header[*slot]), strings.TrimSpace(h), name))
			continue
		}
		*slot = i
	}
	switch {
	case len(unknown) > 0:
		return m, FieldErrorf("header", "unknown column%s %s; accepted columns are %s",
			plural(len(unknown)), strings.Join(unknown, ", "), acceptedColumns())
	case len(unnamed) > 0:
		return m, FieldErrorf("header", "column%s %s without a name; name every column or delete the empty ones",
			plural(len(unnamed)), strings.Join(unnamed, ", "))
	case len(repeated) > 0:
		return m, FieldErrorf("header", "repeated column %s; keep one of each", strings.Join(repeated, ", "))
	case m.phone < 0:
		return m, FieldErrorf("header", "no phone column; the first line must name the columns, one of them phone (or %s)",
			strings.Join(columnAliases("phone"), ", "))
	}
	return m, nil
}

func columnAliases(name string) []string {
	for _, c := range importColumns {
		if c.Name == name {
			return c.Aliases
		}
	}
	return nil
}

func acceptedColumns() string {
	names := make([]string, len(importColumns))
	for i, c := range importColumns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ") + ` (and aliases such as "First Name", "Surname", "Mobile", "E-mail")`
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
