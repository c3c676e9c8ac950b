package queue

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// CheckDestination is the toll-fraud guard (R10.4) the phone flow applies
// to every number right before dialling it, whatever the queue said: the
// number must be a valid E.164 number, start with one of the organisation's
// allowed prefixes, and not be premium rate, shared cost or a personal
// number (the ranges fraud pumps traffic to). It returns EINVALID, field
// "phone", with the reason, which the refused call record keeps.
func CheckDestination(o Organisation, number string) error {
	num, err := phonenumbers.Parse(number, "")
	if err != nil || !phonenumbers.IsValidNumber(num) || phonenumbers.Format(num, phonenumbers.E164) != number {
		return FieldErrorf("phone", "%q is not a valid number in E.164 form", number)
	}
	allowed := false
	for _, p := range o.AllowedPrefixes {
		if strings.HasPrefix(number, p) {
			allowed = true
			break
		}
	}
	if !allowed {
		return FieldErrorf("phone", "%s is outside the organisation's allowed destinations", number)
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.PREMIUM_RATE:
		return FieldErrorf("phone", "%s is a premium-rate number", number)
	case phonenumbers.SHARED_COST:
		return FieldErrorf("phone", "%s is a shared-cost number", number)
	case phonenumbers.PERSONAL_NUMBER:
		return FieldErrorf("phone", "%s is a personal-number service", number)
	}
	return nil
}
