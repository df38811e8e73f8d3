package notify

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Event is one server-sent event. Publish assigns ID; Data must not be
// modified after publishing (subscribers share it).
type Event struct {
	ID   string // "<hub epoch>-<sequence>", unique per topic, increasing
	Type string // the SSE "event:" name, e.g. EventAlert
	Data []byte // the SSE "data:"; may span lines
	seq  uint64
}

// HubConfig configures a Hub. Zero values take the defaults.
type HubConfig struct {
	Buffer    int           // events queued per subscriber before dropping; default 64
	Ring      int           // recent events kept per topic for Last-Event-ID resume; default 256
	Heartbeat time.Duration // comment line sent when idle; default 15s
	Retry     time.Duration // reconnect delay advertised to browsers; default 3s
	// ResumeWindow is how long a topic keeps its ring after its last
	// subscriber left; later publishes are not buffered, which bounds memory
	// to the views someone watches. Default 5 minutes.
	ResumeWindow time.Duration
	Clock        cloudtrust.Clock
}

// Hub fans events out to subscribers of per-service-view topics. Publish
// never blocks: a subscriber whose buffer is full misses events and then
// receives an EventDropped event whose data is {"dropped":N}.
type Hub struct {
	cfg    HubConfig
	epoch  string
	mu     sync.Mutex
	topics map[string]*topic
	closed bool
}

// topic is never deleted, so that its sequence (and so event ids) never
// restarts within a hub's epoch; an idle topic costs only this struct.
type topic struct {
	seq      uint64
	ring     []Event // oldest first, at most cfg.Ring
	subs     map[*subscriber]struct{}
	lastSeen time.Time // when the last subscriber left
}

type subscriber struct {
	ch      chan Event
	dropped int
}

// NewHub returns an empty hub.
func NewHub(cfg HubConfig) *Hub {
	if cfg.Buffer <= 0 {
		cfg.Buffer = 64
	}
	if cfg.Ring <= 0 {
		cfg.Ring = 256
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.Retry <= 0 {
		cfg.Retry = 3 * time.Second
	}
	if cfg.ResumeWindow <= 0 {
		cfg.ResumeWindow = 5 * time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = cloudtrust.SystemClock{}
	}
	return &Hub{cfg: cfg, epoch: strconv.FormatInt(time.Now().UnixNano(), 36), topics: map[string]*topic{}}
}

func (h *Hub) topic(id string) *topic {
	t := h.topics[id]
	if t == nil {
		t = &topic{subs: map[*subscriber]struct{}{}, lastSeen: h.cfg.Clock.Now()}
		h.topics[id] = t
	}
	return t
}

// Publish sends ev to the subscribers of viewID and keeps it for resume. It
// returns the event with its ID set.
func (h *Hub) Publish(viewID string, ev Event) Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.topic(viewID)
	t.seq++
	ev.seq = t.seq
	ev.ID = h.epoch + "-" + strconv.FormatUint(t.seq, 10)
	if len(t.subs) == 0 && h.cfg.Clock.Now().Sub(t.lastSeen) > h.cfg.ResumeWindow {
		t.ring = nil // nobody is coming back for these
	} else {
		if len(t.ring) >= h.cfg.Ring {
			t.ring = append(t.ring[:0], t.ring[1:]...)
		}
		t.ring = append(t.ring, ev)
	}
	if h.closed {
		return ev
	}
	for s := range t.subs {
		if s.dropped > 0 {
			select {
			case s.ch <- Event{Type: EventDropped, Data: fmt.Appendf(nil, `{"dropped":%d}`, s.dropped)}:
				s.dropped = 0
			default:
				s.dropped++
				continue
			}
		}
		select {
		case s.ch <- ev:
		default:
			s.dropped++
		}
	}
	return ev
}

// Subscribe returns a channel of the events published to viewID from now
// on, and a cancel function that unsubscribes and closes the channel. The
// channel is also closed by Hub.Close.
func (h *Hub) Subscribe(viewID string) (<-chan Event, func()) {
	ch, _, cancel := h.subscribe(viewID, "")
	return ch, cancel
}

// subscribe also returns the buffered events after lastID (all kept events
// when lastID is unknown, with a leading EventDropped marker).
func (h *Hub) subscribe(viewID, lastID string) (<-chan Event, []Event, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &subscriber{ch: make(chan Event, h.cfg.Buffer)}
	if h.closed {
		close(s.ch)
		return s.ch, nil, func() {}
	}
	t := h.topic(viewID)
	t.subs[s] = struct{}{}
	var replay []Event
	if lastID != "" {
		seq, ok := h.parseID(lastID)
		lost := seq < t.seq && (len(t.ring) == 0 || seq+1 < t.ring[0].seq)
		if !ok || seq > t.seq || lost {
			replay = append(replay, Event{Type: EventDropped, Data: []byte(`{"dropped":-1,"reason":"resume point is no longer buffered; reload the log"}`)})
			seq = 0
		}
		for _, ev := range t.ring {
			if ev.seq > seq {
				replay = append(replay, ev)
			}
		}
	}
	var once sync.Once
	cancel := func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if _, ok := t.subs[s]; ok {
				delete(t.subs, s)
				close(s.ch)
			}
			t.lastSeen = h.cfg.Clock.Now()
		})
	}
	return s.ch, replay, cancel
}

func (h *Hub) parseID(id string) (uint64, bool) {
	epoch, n, ok := strings.Cut(id, "-")
	if !ok || epoch != h.epoch {
		return 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return seq, err == nil
}

// Subscribers returns the number of subscribers of viewID.
func (h *Hub) Subscribers(viewID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.topics[viewID]; t != nil {
		return len(t.subs)
	}
	return 0
}

// Close closes every subscriber channel, which ends every Stream; later
// subscriptions get a closed channel. http.Server.Shutdown does not end
// streaming responses, so call Close before it.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, t := range h.topics {
		for s := range t.subs {
			close(s.ch)
			delete(t.subs, s)
		}
	}
}

// Stream serves the events of viewID as text/event-stream until the client
// disconnects or the hub closes. It honours the Last-Event-ID header (and a
// lastEventId query parameter, for EventSource polyfills) by replaying
// buffered events first. The caller must have authorised the request for
// viewID: Stream checks nothing.
func (h *Hub) Stream(w http.ResponseWriter, r *http.Request, viewID string) {
	rc := http.NewResponseController(w)
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("lastEventId")
	}
	ch, replay, cancel := h.subscribe(viewID, lastID)
	defer cancel()
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "retry: %d\n\n", h.cfg.Retry.Milliseconds())
	var lastSeq uint64
	for _, ev := range replay {
		writeEvent(&buf, ev)
		if ev.seq > lastSeq {
			lastSeq = ev.seq
		}
	}
	write := func() bool {
		rc.SetWriteDeadline(time.Now().Add(h.cfg.Heartbeat + 10*time.Second))
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err == nil && rc.Flush() == nil
	}
	if !write() {
		return
	}
	tick := time.NewTicker(h.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if ev.seq != 0 && ev.seq <= lastSeq {
				continue // already replayed
			}
			writeEvent(&buf, ev)
		case <-tick.C:
			buf.WriteString(": heartbeat\n\n")
		}
		if !write() {
			return
		}
	}
}

// WriteEvent appends ev to b in the text/event-stream format, as Stream
// writes it: line breaks in the type are dropped so that it cannot inject
// fields, and multi-line data becomes several "data:" lines. For handlers
// that serve their own stream (e.g. several topics merged into one).
func WriteEvent(b *bytes.Buffer, ev Event) { writeEvent(b, ev) }

func writeEvent(b *bytes.Buffer, ev Event) {
	if ev.ID != "" {
		b.WriteString("id: " + ev.ID + "\n")
	}
	if ev.Type != "" {
		// A line break in the name would end the field and inject others.
		b.WriteString("event: " + strings.NewReplacer("\r", "", "\n", "").Replace(ev.Type) + "\n")
	}
	data := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(ev.Data))
	for line := range strings.SplitSeq(data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
}

// Handler returns an http.Handler that streams the topic viewID(r) names.
// viewID must authorise the request and return false after writing an
// error response when it is not allowed.
func (h *Hub) Handler(viewID func(w http.ResponseWriter, r *http.Request) (string, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := viewID(w, r); ok {
			h.Stream(w, r, id)
		}
	})
}
