package web

import (
	"fmt"
	"time"
)

// timeAgo writes how long before now t was, as the sessions index shows
// last activity: "just now", "5 minutes ago", "3 hours ago", "2 days ago",
// and the date past a month.
func timeAgo(now, t time.Time) string {
	d := now.Sub(t)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d < 31*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	}
	return t.Format("2 Jan 2006")
}
