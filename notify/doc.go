// Package notify delivers CTP trigger alerts (§4.2.7, issue 4 item 4): signed
// webhooks for http(s) notification URIs, XMPP chat messages for xmpp: URIs
// (RFC 5122), and a server-sent-events hub per service view for dashboards.
//
// Delivery never blocks the caller: Dispatcher.Dispatch publishes to the hub,
// then hands the alert to a bounded worker Pool that retries with exponential
// backoff and records deliveries that finally fail in a DeadLetters sink.
// Authorization (who may subscribe to which service view, who may read dead
// letters) is the caller's job.
package notify
