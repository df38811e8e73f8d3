package notify

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/dial"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// XMPPConfig configures the service account alerts are sent from.
type XMPPConfig struct {
	JID      string // e.g. "alerts@cloudtrust.example"
	Password string
	// Addr is host:port of the server; "" looks up the JID's domain in DNS
	// (SRV records, then port 5222).
	Addr string
	// TLSConfig is used for STARTTLS, which is required: credentials are
	// never sent in clear. ServerName defaults to the JID's domain.
	TLSConfig *tls.Config
	Timeout   time.Duration // one whole session (connect, send, close); default 15s
}

// XMPPSender sends each alert as a chat message whose body is the log entry
// JSON (§4.2.7: the notification MUST contain a copy of the log entry). It
// opens one session per message and closes it cleanly, which keeps no
// connection state to repair and confirms the server read the stanza.
type XMPPSender struct {
	cfg    XMPPConfig
	origin jid.JID
}

// NewXMPPSender validates cfg.
func NewXMPPSender(cfg XMPPConfig) (*XMPPSender, error) {
	origin, err := jid.Parse(cfg.JID)
	if err != nil || origin.Localpart() == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "xmpp: service account JID %q must be <node>@<server>", cfg.JID)
	}
	if cfg.Password == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "xmpp: service account password is empty")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = origin.Domainpart()
	}
	cfg.TLSConfig = tc
	return &XMPPSender{cfg: cfg, origin: origin.Bare()}, nil
}

type messageBody struct {
	stanza.Message
	Body string `xml:"body"`
}

// Send delivers d.Body to the JID of the xmpp: URI d.Target.
func (x *XMPPSender) Send(ctx context.Context, d *Delivery) error {
	to, err := ParseXMPPURI(d.Target)
	if err != nil {
		return &AttemptError{Permanent: true, Msg: cloudtrust.ErrorMessage(err)}
	}
	ctx, cancel := context.WithTimeout(ctx, x.cfg.Timeout)
	defer cancel()
	if err := x.send(ctx, to, string(d.Body)); err != nil {
		return &AttemptError{Msg: fmt.Sprintf("xmpp to %s: %v", to.Domainpart(), err)}
	}
	return nil
}

func (x *XMPPSender) send(ctx context.Context, to jid.JID, body string) error {
	var conn net.Conn
	var err error
	if x.cfg.Addr != "" {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", x.cfg.Addr)
	} else {
		conn, err = dial.Client(ctx, "tcp", x.origin)
	}
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	s, err := xmpp.NewClientSession(ctx, x.origin, conn,
		xmpp.StartTLS(x.cfg.TLSConfig),
		xmpp.SASL("", x.cfg.Password, sasl.ScramSha256Plus, sasl.ScramSha256, sasl.ScramSha1Plus, sasl.ScramSha1, sasl.Plain),
		xmpp.BindResource(),
	)
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if s.State()&xmpp.Secure == 0 {
		return errors.New("session is not encrypted")
	}
	served := make(chan error, 1)
	go func() {
		served <- s.Serve(xmpp.HandlerFunc(func(xmlstream.TokenReadEncoder, *xml.StartElement) error { return nil }))
	}()
	msg := messageBody{Message: stanza.Message{To: to, Type: stanza.ChatMessage}, Body: body}
	if err := s.Encode(ctx, msg); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	// Closing our stream and waiting for the server to close its own means
	// the server has read (and routed) everything sent before.
	if err := s.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	select {
	case err := <-served:
		if err != nil && !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("close: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close: server did not end the stream: %w", ctx.Err())
	}
}
