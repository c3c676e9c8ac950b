package arisim

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// bridge is a mixing (or holding) bridge made over ARI. An application
// hears about a bridge once one of its channels entered it: a bridge made
// and destroyed empty raises no event (recording errors), one that held
// channels raises BridgeDestroyed (bridge-leader-supporter).
type bridge struct {
	id, name, bridgeType string
	created              time.Time
	seq                  uint64
	channels             []*channel
	apps                 []string // applications subscribed by their channels
}

func (b *bridge) snapshot() *bridgeJSON {
	ids := make([]string, 0, len(b.channels))
	for _, c := range b.channels {
		ids = append(ids, c.id)
	}
	tech := "simple_bridge"
	if b.bridgeType == "holding" {
		tech = "holding_bridge"
	}
	return &bridgeJSON{
		ID:           b.id,
		Technology:   tech,
		BridgeType:   b.bridgeType,
		BridgeClass:  "stasis",
		Creator:      "Stasis",
		Name:         b.name,
		Channels:     ids,
		CreationTime: formatTime(b.created),
		VideoMode:    "talker",
	}
}

func (b *bridge) remove(c *channel) {
	if i := slices.Index(b.channels, c); i >= 0 {
		b.channels = slices.Delete(b.channels, i, i+1)
	}
}

func (b *bridge) subscribe(appName string) {
	if !slices.Contains(b.apps, appName) {
		b.apps = append(b.apps, appName)
	}
}

// createBridge is POST /bridges and POST /bridges/{bridge}.
func (s *Sim) createBridge(q *request) reply {
	id := q.path("bridge")
	if id == "" {
		id = q.param("bridgeId")
	}
	if id == "" {
		id = s.uuid()
	}
	if s.bridges[id] != nil {
		return errorReply(http.StatusConflict, "Bridge with the same bridgeId already exists")
	}
	typ := "mixing"
	if strings.Contains(q.param("type"), "holding") {
		typ = "holding"
	}
	b := &bridge{id: id, name: q.param("name"), bridgeType: typ, created: s.clock.Now(), seq: s.nextID()}
	s.bridges[id] = b
	return reply{status: http.StatusOK, body: b.snapshot()}
}

func (s *Sim) getBridge(q *request) reply {
	b := s.bridges[q.path("bridge")]
	if b == nil {
		return errorReply(http.StatusNotFound, "Bridge not found")
	}
	return reply{status: http.StatusOK, body: b.snapshot()}
}

func (s *Sim) listBridges(*request) reply {
	list := make([]*bridgeJSON, 0, len(s.bridges))
	for _, b := range s.sortedBridges() {
		list = append(list, b.snapshot())
	}
	return reply{status: http.StatusOK, body: list}
}

func (s *Sim) sortedBridges() []*bridge {
	list := make([]*bridge, 0, len(s.bridges))
	for _, b := range s.bridges {
		list = append(list, b)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	return list
}

// destroyBridge is DELETE /bridges/{bridge}: its channels leave (and stay
// in the application), then BridgeDestroyed.
func (s *Sim) destroyBridge(q *request) reply {
	b := s.bridges[q.path("bridge")]
	if b == nil {
		return errorReply(http.StatusNotFound, "Bridge not found")
	}
	for len(b.channels) > 0 {
		s.leaveBridge(b.channels[0])
	}
	delete(s.bridges, b.id)
	for _, a := range b.apps {
		s.emit(a, &eventJSON{Type: "BridgeDestroyed", Bridge: b.snapshot()})
	}
	return noContent
}

// bridgeChannels resolves the channel parameter (a comma-separated list)
// of addChannel and removeChannel.
func (s *Sim) bridgeChannels(q *request) (*bridge, []*channel, *reply) {
	b := s.bridges[q.path("bridge")]
	if b == nil {
		r := errorReply(http.StatusNotFound, "Bridge not found")
		return nil, nil, &r
	}
	var list []*channel
	for _, id := range strings.Split(q.param("channel"), ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		c := s.channels[id]
		if c == nil {
			r := errorReply(http.StatusBadRequest, "Channel not found")
			return nil, nil, &r
		}
		list = append(list, c)
	}
	if len(list) == 0 {
		r := errorReply(http.StatusBadRequest, "Missing required param channel")
		return nil, nil, &r
	}
	return b, list, nil
}

// addChannel is POST /bridges/{bridge}/addChannel. An unknown channel is
// 400 (recording errors), a channel outside Stasis 422. A channel in
// another bridge moves (ARI documentation).
func (s *Sim) addChannel(q *request) reply {
	b, list, fail := s.bridgeChannels(q)
	if fail != nil {
		return *fail
	}
	for _, c := range list {
		if !c.inStasis {
			return errorReply(http.StatusUnprocessableEntity, "Channel not in Stasis application")
		}
	}
	var joined []*channel
	for _, c := range list {
		if c.bridge == b {
			continue
		}
		if c.bridge != nil {
			s.leaveBridge(c)
		}
		b.channels = append(b.channels, c)
		c.bridge = b
		b.subscribe(c.appName)
		s.emit(c.appName, &eventJSON{Type: "ChannelEnteredBridge", Bridge: b.snapshot(), Channel: c.snapshot()})
		joined = append(joined, c)
	}
	s.announcePeers(b, joined)
	return noContent
}

// announcePeers sets BRIDGEPEER and BRIDGEPVTCALLID on the channels of a
// bridge with two or more, newcomers first, as the recordings show.
func (s *Sim) announcePeers(b *bridge, joined []*channel) {
	if len(b.channels) < 2 {
		return
	}
	order := append([]*channel{}, joined...)
	for _, c := range b.channels {
		if !slices.Contains(joined, c) {
			order = append(order, c)
		}
	}
	for _, c := range order {
		var names []string
		var callID string
		for _, p := range b.channels {
			if p != c {
				names = append(names, p.name)
				if callID == "" {
					callID = p.protocolID
				}
			}
		}
		peer := strings.Join(names, ",")
		if peer == c.bridgePeer {
			continue
		}
		c.bridgePeer = peer
		s.varset(c, "BRIDGEPEER", peer)
		s.varset(c, "BRIDGEPVTCALLID", callID)
	}
}

// removeChannel is POST /bridges/{bridge}/removeChannel.
func (s *Sim) removeChannel(q *request) reply {
	b, list, fail := s.bridgeChannels(q)
	if fail != nil {
		return *fail
	}
	for _, c := range list {
		if c.bridge != b {
			return errorReply(http.StatusUnprocessableEntity, "Channel not in this bridge")
		}
	}
	for _, c := range list {
		s.leaveBridge(c)
	}
	return noContent
}

// leaveBridge takes a channel out of its bridge: its BRIDGEPEER is cleared
// if it was set, then ChannelLeftBridge. The channels that stay keep
// theirs, as the recordings show.
func (s *Sim) leaveBridge(c *channel) {
	b := c.bridge
	if b == nil {
		return
	}
	if c.bridgePeer != "" {
		c.bridgePeer = ""
		s.varset(c, "BRIDGEPEER", "")
		s.varset(c, "BRIDGEPVTCALLID", "")
	}
	b.remove(c)
	c.bridge = nil
	s.emit(c.appName, &eventJSON{Type: "ChannelLeftBridge", Bridge: b.snapshot(), Channel: c.snapshot()})
}
