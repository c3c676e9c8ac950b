package arisim

import (
	"net/http"
	"slices"
	"strings"
)

// playback is media played to a channel. A channel plays one at a time;
// later ones wait their turn (state queued), as in Asterisk.
type playback struct {
	id, media string
	ch        *channel
	state     string // queued, playing, done
	timer     *simTimer
}

func (pb *playback) snapshot() *playbackJSON {
	return &playbackJSON{
		ID:        pb.id,
		MediaURI:  pb.media,
		TargetURI: "channel:" + pb.ch.id,
		Language:  "en",
		State:     pb.state,
	}
}

// playChannel is POST /channels/{id}/play and /play/{playback}. It answers
// 201 with the playback queued; PlaybackStarted follows. "tone:" media
// plays until DELETE /playbacks/{id}, or fails at once without a tone zone
// (Config.ToneZones); anything else finishes after Config.SoundDuration
// (recordings playback-prompt, ringback-while-dialling,
// ringback-without-indications).
func (s *Sim) playChannel(q *request) reply {
	c := s.channels[q.path("id")]
	if c == nil {
		return errorReply(http.StatusNotFound, "Channel not found")
	}
	if !c.inStasis {
		return errorReply(http.StatusConflict, "Channel not in a Stasis application")
	}
	media := q.param("media")
	if media == "" {
		return errorReply(http.StatusBadRequest, "Missing required param media")
	}
	id := q.path("playback")
	if id == "" {
		id = q.param("playbackId")
	}
	if id == "" {
		id = s.uuid()
	}
	if s.playbacks[id] != nil {
		return errorReply(http.StatusConflict, "Playback with the same id already exists")
	}
	pb := &playback{id: id, media: media, ch: c, state: "queued"}
	s.playbacks[id] = pb
	c.playbacks = append(c.playbacks, pb)
	snap := pb.snapshot()
	if len(c.playbacks) == 1 {
		s.startPlayback(pb)
	}
	return reply{status: http.StatusCreated, body: snap}
}

func (s *Sim) startPlayback(pb *playback) {
	pb.state = "playing"
	s.emitPlayback(pb, "PlaybackStarted")
	if strings.HasPrefix(pb.media, "tone:") {
		if !s.canPlayTone(pb.media) {
			// Asterisk logs "Failed to parse tone part 'ring'" and gives up.
			s.finishPlayback(pb, "failed")
		}
		return
	}
	pb.timer = s.after(s.cfg.SoundDuration, func() {
		if s.playbacks[pb.id] == pb {
			s.finishPlayback(pb, "done")
		}
	})
}

func (s *Sim) emitPlayback(pb *playback, typ string) {
	s.emit(pb.ch.appName, &eventJSON{Type: typ, Playback: pb.snapshot()})
}

// canPlayTone reports whether "tone:NAME[;tonezone=ZONE]" has a zone to
// play in: the one it names, or the default, loaded from ToneZones.
func (s *Sim) canPlayTone(media string) bool {
	_, zone, named := strings.Cut(strings.TrimPrefix(media, "tone:"), ";tonezone=")
	if !named && len(s.cfg.ToneZones) > 0 {
		zone = s.cfg.ToneZones[0]
	}
	return s.toneZones[zone]
}

// finishPlayback ends a playback with PlaybackFinished in state ("done",
// or "failed") and starts the next one queued on its channel.
func (s *Sim) finishPlayback(pb *playback, state string) {
	s.cancel(pb.timer)
	delete(s.playbacks, pb.id)
	c := pb.ch
	wasPlaying := len(c.playbacks) > 0 && c.playbacks[0] == pb
	if i := slices.Index(c.playbacks, pb); i >= 0 {
		c.playbacks = slices.Delete(c.playbacks, i, i+1)
	}
	pb.state = state
	s.emitPlayback(pb, "PlaybackFinished")
	if wasPlaying && len(c.playbacks) > 0 && !c.gone {
		s.startPlayback(c.playbacks[0])
	}
}

// stopPlaybacks ends a hanging-up channel's media: the playing one
// finishes, the queued ones are dropped (ARI documentation).
func (s *Sim) stopPlaybacks(c *channel) {
	queue := c.playbacks
	c.playbacks = nil
	for i, pb := range queue {
		s.cancel(pb.timer)
		delete(s.playbacks, pb.id)
		if i == 0 && pb.state == "playing" {
			pb.state = "done"
			s.emitPlayback(pb, "PlaybackFinished")
		}
	}
}

func (s *Sim) getPlayback(q *request) reply {
	pb := s.playbacks[q.path("playback")]
	if pb == nil {
		return errorReply(http.StatusNotFound, "Playback not found")
	}
	return reply{status: http.StatusOK, body: pb.snapshot()}
}

// stopPlayback is DELETE /playbacks/{id}: PlaybackFinished state "done"
// (recording ringback-while-dialling).
func (s *Sim) stopPlayback(q *request) reply {
	pb := s.playbacks[q.path("playback")]
	if pb == nil {
		return errorReply(http.StatusNotFound, "Playback not found")
	}
	s.finishPlayback(pb, "done")
	return noContent
}
