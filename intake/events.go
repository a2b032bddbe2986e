package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Event is one entry of the store's event stream: a ticket was created or moved, or a
// deadline warning was raised. Events are written in the same script as the change.
type Event struct {
	StreamID string
	Type     string // created, moved, warning
	Ticket   string
	Action   string // for moved
	Level    string // for warning
	Notice   string // for notice: the notice to send (notices.go)…
	Channel  string // …its channel (sms, wechat)…
	Urgent   bool   // …and whether it is urgent (not held for quiet hours)
}

// Consumer reads events for one kind of follow-up work (a consumer group), as one
// worker (a consumer). Delivery is at least once: an event stays pending until Ack,
// and events a crashed worker left pending are taken over after MinIdle.
type Consumer struct {
	store   *Store
	group   string
	name    string
	MinIdle time.Duration
}

// Consumer joins (creating if needed) the consumer group for reading events.
func (s *Store) Consumer(ctx context.Context, group, name string) (*Consumer, error) {
	err := s.rdb.XGroupCreateMkStream(ctx, s.key("events"), group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return nil, unavailable(err)
	}
	return &Consumer{store: s, group: group, name: name, MinIdle: time.Minute}, nil
}

// Next returns up to count events: first those other workers left pending for longer
// than MinIdle, then new ones, waiting up to block for them (0: do not wait).
func (c *Consumer) Next(ctx context.Context, count int64, block time.Duration) ([]Event, error) {
	stream := c.store.key("events")
	claimed, _, err := c.store.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: stream, Group: c.group,
		Consumer: c.name, MinIdle: c.MinIdle, Start: "0-0", Count: count}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	if len(claimed) > 0 {
		return toEvents(claimed), nil
	}
	if block <= 0 {
		block = -1 // go-redis: no BLOCK argument
	}
	res, err := c.store.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: c.group, Consumer: c.name,
		Streams: []string{stream, ">"}, Count: count, Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable(err)
	}
	var out []Event
	for _, s := range res {
		out = append(out, toEvents(s.Messages)...)
	}
	return out, nil
}

// Ack marks events as handled.
func (c *Consumer) Ack(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.StreamID
	}
	if err := c.store.rdb.XAck(ctx, c.store.key("events"), c.group, ids...).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// Pending counts events read but not acknowledged in the group.
func (c *Consumer) Pending(ctx context.Context) (int64, error) {
	p, err := c.store.rdb.XPending(ctx, c.store.key("events"), c.group).Result()
	if err != nil {
		return 0, unavailable(err)
	}
	return p.Count, nil
}

func toEvents(msgs []redis.XMessage) []Event {
	out := make([]Event, len(msgs))
	for i, m := range msgs {
		str := func(k string) string { return fmt.Sprint(m.Values[k]) }
		out[i] = Event{StreamID: m.ID, Type: str("type"), Ticket: str("id")}
		if _, ok := m.Values["action"]; ok {
			out[i].Action = str("action")
		}
		if _, ok := m.Values["level"]; ok {
			out[i].Level = str("level")
		}
		if _, ok := m.Values["notice"]; ok {
			out[i].Notice, out[i].Channel, out[i].Urgent = str("notice"), str("channel"), str("urgent") == "true"
		}
	}
	return out
}

// TrimEvents drops from the stream what every consumer group has read and
// acknowledged: entries before the oldest one a group still holds pending, or has not
// read yet. With no group nothing is trimmed, since nothing has been consumed. Groups
// only move forward, so a group reading meanwhile cannot lose an entry. It answers how
// many entries went.
func (s *Store) TrimEvents(ctx context.Context) (int64, error) {
	stream := s.key("events")
	groups, err := s.rdb.XInfoGroups(ctx, stream).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return 0, nil
		}
		return 0, unavailable(err)
	}
	keep := ""
	for _, g := range groups {
		first := nextStreamID(g.LastDeliveredID) // everything before it was read
		if g.Pending > 0 {
			p, err := s.rdb.XPending(ctx, stream, g.Name).Result()
			if err != nil {
				return 0, unavailable(err)
			}
			if p.Count > 0 && streamIDLess(p.Lower, first) {
				first = p.Lower
			}
		}
		if keep == "" || streamIDLess(first, keep) {
			keep = first
		}
	}
	if keep == "" {
		return 0, nil
	}
	n, err := s.rdb.XTrimMinID(ctx, stream, keep).Result()
	if err != nil {
		return 0, unavailable(err)
	}
	return n, nil
}

// streamID splits a stream entry id (ms-seq).
func streamID(id string) (ms, seq uint64) {
	a, b, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(a, 10, 64)
	seq, _ = strconv.ParseUint(b, 10, 64)
	return ms, seq
}

func streamIDLess(a, b string) bool {
	am, as := streamID(a)
	bm, bs := streamID(b)
	return am < bm || am == bm && as < bs
}

// nextStreamID is the smallest id after id.
func nextStreamID(id string) string {
	ms, seq := streamID(id)
	if seq == ^uint64(0) {
		return strconv.FormatUint(ms+1, 10) + "-0"
	}
	return strconv.FormatUint(ms, 10) + "-" + strconv.FormatUint(seq+1, 10)
}

// Live subscribes to the changes as they happen (LiveEvent, JSON), for staff screens on
// any instance.
func (s *Store) Live(ctx context.Context) *redis.PubSub {
	return s.rdb.Subscribe(ctx, s.key("events")+":live")
}

// Announce tells every instance's live screens of something that is not a ticket
// change (a call ringing for an operator: "ringing OPERATOR {json}"). Like all live
// messages it reaches only those listening.
func (s *Store) Announce(ctx context.Context, msg string) error {
	if err := s.rdb.Publish(ctx, s.key("events")+":live", msg).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// LiveEvent is what live screens are told of a change: enough to decide who may see it
// without reading the ticket.
type LiveEvent struct {
	Event    string `json:"event"`            // created, moved, warning
	Ticket   string `json:"ticket"`           // its number
	Detail   string `json:"detail,omitempty"` // the move's action, the warning's level
	Status   Status `json:"status"`           // after the change
	Body     string `json:"body,omitempty"`
	Operator string `json:"operator,omitempty"`
}

func liveMessage(event string, t *Ticket, detail string) string {
	b, _ := json.Marshal(LiveEvent{Event: event, Ticket: t.ID, Detail: detail, Status: t.Status, Body: t.Body, Operator: t.Operator})
	return string(b)
}
