package ari

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/supporterbase/callingsessions/ari/arisim"
)

func TestPlayback(t *testing.T) {
	t.Parallel()
	clock := arisim.NewFakeClock(time.Now())
	e := newEnv(t, func(s *arisim.Config, _ *Config) {
		s.Clock, s.SoundDuration, s.ToneZones = clock, 3*time.Second, []string{"uk", "us"}
	})
	ctx := context.Background()
	leg := e.answeredLeg(t, "leg", "+447911000030")

	t.Run("ToneStopped", func(t *testing.T) {
		if err := e.c.Play(ctx, "leg", "ringback-1", "tone:ring"); err != nil {
			t.Fatal(err)
		}
		if ev := e.next(t, leg, PlaybackStarted); ev.Playback != "ringback-1" || ev.Channel != "leg" {
			t.Errorf("PlaybackStarted %+v", ev)
		}
		if err := e.c.StopPlayback(ctx, "ringback-1"); err != nil {
			t.Fatal(err)
		}
		if ev := e.next(t, leg, PlaybackFinished); ev.Playback != "ringback-1" {
			t.Errorf("PlaybackFinished %+v", ev)
		}
		if err := e.c.StopPlayback(ctx, "ringback-1"); err != nil {
			t.Errorf("stopping a finished playback = %v, want nil", err)
		}
	})

	t.Run("ToneInAZoneNotLoadedFails", func(t *testing.T) {
		if err := e.c.Play(ctx, "leg", "ringback-2", "tone:ring;tonezone=fr"); err != nil {
			t.Fatal(err)
		}
		e.next(t, leg, PlaybackStarted)
		if ev := e.next(t, leg, PlaybackFailed); ev.Playback != "ringback-2" || ev.State != "failed" || ev.Media != "tone:ring;tonezone=fr" {
			t.Errorf("PlaybackFailed %+v", ev)
		}
	})

	t.Run("PromptToTheEnd", func(t *testing.T) {
		if err := e.c.Play(ctx, "leg", "prompt-1", "sound:calling-welcome"); err != nil {
			t.Fatal(err)
		}
		e.next(t, leg, PlaybackStarted)
		clock.Advance(3 * time.Second)
		if ev := e.next(t, leg, PlaybackFinished); ev.Playback != "prompt-1" {
			t.Errorf("PlaybackFinished %+v", ev)
		}
	})

	t.Run("ErrUnknownChannel", func(t *testing.T) {
		if err := e.c.Play(ctx, "no-such-channel", "p", "sound:beep"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Play on an unknown channel = %v, want ErrNotFound", err)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		if err := e.c.Play(ctx, "leg", "", "sound:beep"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Play without playback id = %v, want ErrInvalid", err)
		}
	})
}
