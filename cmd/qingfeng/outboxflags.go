package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"

	"qingfeng/intake"
	"qingfeng/web"
)

// outboxFlags configure the notices sent to reporters (README, "Configuration"). The
// secrets are read from the environment only: a command line is visible to every user
// of the machine.
type outboxFlags struct {
	run                      bool
	smsURL                   string
	twilioSID, twilioFrom    string
	twilioBase, quiet, tries string
}

func (o *outboxFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.run, "outbox", envOr("QINGFENG_OUTBOX", "on") != "off", "send notices to reporters from this instance (any number may); env QINGFENG_OUTBOX=off to stop")
	fs.StringVar(&o.smsURL, "sms-send-url", os.Getenv("QINGFENG_SMS_SEND_URL"), "generic SMS gateway that takes signed {id,to,text} posts; env QINGFENG_SMS_SEND_URL (secret: QINGFENG_SMS_SEND_SECRET)")
	fs.StringVar(&o.twilioSID, "twilio-sid", os.Getenv("QINGFENG_TWILIO_SID"), "Twilio account SID for outbound SMS (token: QINGFENG_TWILIO_TOKEN); env QINGFENG_TWILIO_SID")
	fs.StringVar(&o.twilioFrom, "twilio-from", os.Getenv("QINGFENG_TWILIO_FROM"), "Twilio sender: a number, or a Messaging Service SID (MG…); env QINGFENG_TWILIO_FROM")
	fs.StringVar(&o.twilioBase, "twilio-api-base", envOr("QINGFENG_TWILIO_API_BASE", web.DefaultTwilioAPI), "Twilio API base URL; env QINGFENG_TWILIO_API_BASE")
	fs.StringVar(&o.quiet, "quiet-hours", envOr("QINGFENG_QUIET_HOURS", web.DefaultQuietHours), "China time window in which non-urgent SMS notices wait, or off; env QINGFENG_QUIET_HOURS")
	fs.StringVar(&o.tries, "notice-tries", envOr("QINGFENG_NOTICE_TRIES", "8"), "tries before a notice is given up on and shown to staff; env QINGFENG_NOTICE_TRIES")
}

// sms is the SMS sender the settings name: the generic gateway, or Twilio, or none.
func (o *outboxFlags) sms(log *slog.Logger) (web.NoticeSender, error) {
	secret, token := os.Getenv("QINGFENG_SMS_SEND_SECRET"), os.Getenv("QINGFENG_TWILIO_TOKEN")
	switch {
	case o.smsURL != "" && o.twilioSID != "":
		return nil, errors.New("QINGFENG_SMS_SEND_URL and QINGFENG_TWILIO_SID both set: choose one SMS sender")
	case o.smsURL != "":
		if !httpURL(o.smsURL) {
			return nil, errors.New("QINGFENG_SMS_SEND_URL: want an http(s) URL")
		}
		if secret == "" {
			return nil, errors.New("QINGFENG_SMS_SEND_URL needs QINGFENG_SMS_SEND_SECRET: the gateway checks our signature")
		}
		return web.NewGatewaySender(o.smsURL, []byte(secret)), nil
	case o.twilioSID != "":
		if token == "" || o.twilioFrom == "" {
			return nil, errors.New("QINGFENG_TWILIO_SID needs QINGFENG_TWILIO_TOKEN and QINGFENG_TWILIO_FROM")
		}
		if !httpURL(o.twilioBase) {
			return nil, errors.New("QINGFENG_TWILIO_API_BASE: want an http(s) URL such as https://api.twilio.com")
		}
		return web.NewTwilioSender(o.twilioBase, o.twilioSID, token, o.twilioFrom), nil
	}
	log.Warn("no SMS sender configured (QINGFENG_SMS_SEND_URL or QINGFENG_TWILIO_SID): SMS notices to reporters are given up on and shown to staff on the ticket")
	return nil, nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// outbox builds the outbox of notices to reporters; every instance has one, for the
// gateway's receipts and the staff's view of dead notices.
func (o *outboxFlags) outbox(store *intake.Store, scanner *intake.Scanner, log *slog.Logger) (*web.Outbox, error) {
	cfg := web.DefaultOutboxConfig()
	var err error
	if cfg.Quiet, err = web.ParseQuietHours(o.quiet); err != nil {
		return nil, fmt.Errorf("QINGFENG_QUIET_HOURS: %w", err)
	}
	if cfg.Tries, err = strconv.Atoi(o.tries); err != nil || cfg.Tries < 1 || cfg.Tries > 100 {
		return nil, fmt.Errorf("QINGFENG_NOTICE_TRIES: want a number from 1 to 100, not %q", o.tries)
	}
	sms, err := o.sms(log)
	if err != nil {
		return nil, err
	}
	return web.NewOutbox(store, sms, scanner.NoticeDue, cfg, log), nil
}

// start runs the outbox on this instance (unless QINGFENG_OUTBOX=off) until ctx ends,
// and answers a wait for it to finish the send under way.
func (o *outboxFlags) start(ctx context.Context, box *web.Outbox, log *slog.Logger) (wait func()) {
	if !o.run {
		log.Info("this instance sends no notices (QINGFENG_OUTBOX=off)")
		return func() {}
	}
	log.Info("sending notices to reporters", "sms", box.SMSSender(), "quiet_hours", o.quiet, "tries", o.tries)
	done := make(chan struct{})
	go func() {
		defer close(done)
		box.Run(ctx)
	}()
	return func() { <-done }
}
