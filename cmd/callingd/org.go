package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/supporterbase/callingsessions/queue"
)

func runOrg(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || !hasSub(args[0], "add", "show") {
		fmt.Fprint(env.stderr, "Usage: callingd org add|show [flags]   (callingd org add --help)\n")
		return errUsage
	}
	switch args[0] {
	case "add":
		return runOrgAdd(ctx, env, args[1:])
	default:
		return runOrgShow(ctx, env, args[1:])
	}
}

func runOrgAdd(ctx context.Context, env *environment, args []string) error {
	def := queue.NewOrganisation("", "")
	fs := newFlagSet(env, "org add", "org add --slug SLUG --name NAME [flags]", `
Add an organisation (a tenant: its users see only its own supporters, lists,
sessions and calls). Numbers are dialled only when they start with one of the
allowed prefixes, so give at least one --allow-prefix before calling.`)
	dbURL := databaseFlag(env, fs)
	o := def
	fs.StringVar(&o.Slug, "slug", "", "short name used on the command line, e.g. greens-north (required)")
	fs.StringVar(&o.Name, "name", "", "display name (required)")
	fs.StringVar(&o.Timezone, "timezone", def.Timezone, "IANA timezone of the organisation, for supporters whose own cannot be derived")
	fs.StringVar(&o.PhoneRegion, "region", def.PhoneRegion, "country (ISO 3166 alpha-2) of numbers written without a country code")
	fs.StringVar(&o.CallerID, "caller-id", "", "number every leg presents to the phone it rings (SIP From and P-Asserted-Identity), E.164")
	fs.StringVar(&o.CallerName, "caller-name", "", "name presented beside the caller ID where the network passes names (up to 64 characters)")
	fs.StringVar(&o.ToneZone, "tone-zone", "", "tone zone of asterisk-config/indications.conf for the ringback leaders hear; empty: the region's ("+strings.Join(queue.ShippedToneZones(), ", ")+")")
	fs.BoolVar(&o.ConfirmLeader, "confirm-leader", def.ConfirmLeader, "ask the leader for a key after answering, so a voicemail is never given a supporter")
	fs.DurationVar(&o.LeaderConfirmTimeout, "leader-confirm-timeout", def.LeaderConfirmTimeout, "how long the leader has to press that key before the call ends and the session pauses (5s-60s)")
	window := fs.String("calling-window", "09:00-20:00", "hours supporters may be called, in their own timezone")
	fs.DurationVar(&o.Cooldown, "cooldown", def.Cooldown, "time before a supporter called by any session may be called again")
	fs.DurationVar(&o.RingTimeout, "ring-timeout", def.RingTimeout, "how long a supporter's phone rings before the attempt is 'no answer'")
	fs.DurationVar(&o.MaxCallDuration, "max-call-duration", def.MaxCallDuration, "longest call before the server hangs it up")
	fs.IntVar(&o.MaxConcurrentCalls, "max-concurrent-calls", def.MaxConcurrentCalls, "cap on live calls of the organisation")
	var prefixes stringList
	fs.Var(&prefixes, "allow-prefix", "E.164 prefix numbers must start with to be dialled, e.g. +44 (repeatable)")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	var err error
	if o.CallingWindowStart, o.CallingWindowEnd, err = parseWindow(*window); err != nil {
		return err
	}
	o.AllowedPrefixes = prefixes
	store, err := openStore(ctx, env, *dbURL)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	created, err := store.CreateOrganisation(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "added organisation %s (%s)\n", created.Slug, created.Name)
	return nil
}

func runOrgShow(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "org show", "org show --slug SLUG", "Print an organisation's settings.")
	dbURL := databaseFlag(env, fs)
	slug := fs.String("slug", "", "the organisation (required)")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	store, err := openStore(ctx, env, *dbURL)
	if err != nil {
		return err
	}
	defer store.Pool().Close()
	o, err := store.OrganisationBySlug(ctx, *slug)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "slug: %s\nname: %s\ntimezone: %s\nregion: %s\ncaller id: %s\ncaller name: %s\n"+
		"calling window: %s-%s\ncooldown: %s\nring timeout: %s\nmax call duration: %s\n"+
		"max concurrent calls: %d\nallowed prefixes: %s\ntone zone: %s\nconfirm leader: %v (within %s)\n",
		o.Slug, o.Name, o.Timezone, o.PhoneRegion, o.CallerID, o.CallerName, clock(o.CallingWindowStart), clock(o.CallingWindowEnd),
		o.Cooldown, o.RingTimeout, o.MaxCallDuration, o.MaxConcurrentCalls, strings.Join(o.AllowedPrefixes, " "),
		o.ToneZone, o.ConfirmLeader, o.LeaderConfirmTimeout)
	return nil
}

// parseWindow reads "HH:MM-HH:MM" as two offsets from midnight.
func parseWindow(s string) (time.Duration, time.Duration, error) {
	from, to, ok := strings.Cut(s, "-")
	a, errA := time.Parse("15:04", strings.TrimSpace(from))
	b, errB := time.Parse("15:04", strings.TrimSpace(to))
	if !ok || errA != nil || errB != nil {
		return 0, 0, queue.FieldErrorf("calling-window", "%q is not HH:MM-HH:MM", s)
	}
	midnight := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	return a.Sub(midnight), b.Sub(midnight), nil
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

func hasSub(arg string, subs ...string) bool {
	for _, s := range subs {
		if arg == s {
			return true
		}
	}
	return false
}
