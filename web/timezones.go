package web

import "slices"

// timezones are the IANA zones Edit My Profile offers, by region: where
// organisations using the panel are, and the zones phone numbers map to.
// A user's own zone and their organisation's are offered too, listed here
// or not (timezoneChoices), so saving the form never changes a zone the
// user did not touch.
var timezones = []string{
	"UTC",
	"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris", "Europe/Brussels",
	"Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Rome", "Europe/Vienna", "Europe/Prague",
	"Europe/Warsaw", "Europe/Copenhagen", "Europe/Oslo", "Europe/Stockholm", "Europe/Helsinki",
	"Europe/Athens", "Europe/Bucharest", "Europe/Kyiv", "Europe/Istanbul",
	"Atlantic/Reykjavik", "Atlantic/Canary",
	"America/St_Johns", "America/Halifax", "America/Toronto", "America/New_York", "America/Chicago",
	"America/Winnipeg", "America/Denver", "America/Edmonton", "America/Phoenix", "America/Vancouver",
	"America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Mexico_City",
	"America/Bogota", "America/Lima", "America/Santiago", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
	"Africa/Lagos", "Africa/Nairobi", "Africa/Johannesburg", "Africa/Cairo",
	"Asia/Jerusalem", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok",
	"Asia/Singapore", "Asia/Hong_Kong", "Asia/Manila", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul",
	"Australia/Perth", "Australia/Darwin", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney",
	"Australia/Melbourne", "Australia/Hobart", "Pacific/Auckland", "Pacific/Fiji",
}

// timezoneChoices is the list offered, with the zones given (the user's,
// the form's) added when the list lacks them.
func timezoneChoices(keep ...string) []string {
	choices := slices.Clone(timezones)
	for _, zone := range keep {
		if zone != "" && !slices.Contains(choices, zone) {
			choices = append(choices, zone)
		}
	}
	return choices
}
