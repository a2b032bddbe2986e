package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/redis/go-redis/v9"

	"qingfeng/bot"
	"qingfeng/intake"
	"qingfeng/nlp"
)

// Tickets is what the web layer needs of intake.
type Tickets interface {
	Submit(ctx context.Context, r intake.Report) (*intake.Receipt, error)
	Status(ctx context.Context, number, code string) (*intake.PublicStatus, error)
	CallerHistory(ctx context.Context, phone string, limit int64) ([]intake.CallerTicket, error)
	LookupHash(kind, value string) string
}

// Dialogue is what the web layer needs of the bot.
type Dialogue interface {
	Handle(ctx context.Context, channel, key, text string) (*bot.Reply, error)
	HandleFrom(ctx context.Context, channel, key string, from bot.Sender, text string) (*bot.Reply, error)
	Greeting() bot.Message
	// While a person has a conversation (handoff*.go).
	Draft(ctx context.Context, channel, key string) (*bot.Draft, error)
	Resume(ctx context.Context, channel, key string) ([]bot.Message, error)
	Filed(ctx context.Context, channel, key, number, code string) (bot.Message, error)
}

// Config holds the web layer's settings.
type Config struct {
	WebhookSecret   []byte // QINGFENG_WEBHOOK_SECRET; webhooks answer 503 without it
	Namespace       string // the store's namespace, for the web layer's own keys
	MaxBody         int64  // bytes per request body
	StatusPerIP     int64  // status queries per client per minute
	StatusPerNumber int64  // status queries per ticket number per minute
	Now             func() time.Time
	Ready           func(context.Context) error // what /readyz checks; nil pings the Redis given to New
	ChatPerSecond   float64                     // messages a chat may send per second…
	ChatBurst       int                         // …with this burst
	SessionTTL      time.Duration               // how long a chat transcript is kept for resuming
	TwilioToken     string                      // QINGFENG_TWILIO_TOKEN: Twilio-style posts answer 503 without it
	PublicURL       string                      // QINGFENG_PUBLIC_URL: the URL gateways see, for signatures
	TrustedProxies  []*net.IPNet                // QINGFENG_TRUSTED_PROXIES: only these may set X-Forwarded-For
	Keys            Sealer                      // seals the webhooks' stored answers; webhooks answer 503 without it
	ClaimTTL        time.Duration               // how long a delivery in progress holds its message or call id

	WechatToken       string        // QINGFENG_WECHAT_TOKEN: the WeChat webhook answers 503 without it
	WechatAESKey      string        // QINGFENG_WECHAT_AES_KEY: the 43-character EncodingAESKey of safe mode
	WechatAppID       string        // QINGFENG_WECHAT_APPID: safe mode and the customer-service API need it
	WechatSecret      string        // QINGFENG_WECHAT_SECRET: with the AppID, replies later than the passive window
	WechatAPIBase     string        // QINGFENG_WECHAT_API_BASE: the platform's API
	WechatReplyWithin time.Duration // how long a WeChat message waits for a passive reply (the platform waits 5 s)

	UploadTimeout time.Duration // how long one evidence upload or download may take
}

// Sealer is what the web layer needs of the identity keyring (intake.Keyring): what a
// reporter typed is sealed at rest, bound to the key it is stored under.
type Sealer interface {
	Seal(plaintext []byte, context string) (string, error)
	Open(sealed, context string) ([]byte, error)
}

// DefaultConfig has the limits the README documents.
func DefaultConfig() Config {
	return Config{Namespace: "main", MaxBody: 64 << 10, StatusPerIP: 30, StatusPerNumber: 10, Now: time.Now,
		ChatPerSecond: 2, ChatBurst: 5, SessionTTL: 24 * time.Hour,
		ClaimTTL: 10 * time.Second, WechatAPIBase: "https://api.weixin.qq.com", WechatReplyWithin: 4 * time.Second,
		UploadTimeout: 10 * time.Minute}
}

// Server serves Qingfeng over HTTP.
type Server struct {
	echo     *echo.Echo
	tickets  Tickets
	dialogue Dialogue
	rdb      redis.UniversalClient
	log      *slog.Logger
	cfg      Config
	metrics  *serverMetrics
	chats    chatConns
	hub      chatHub // this instance's chats by session, for lines written elsewhere

	staff        StaffDirectory
	staffTickets StaffTickets
	reveal       IdentityRevealer
	figures      FigureSource
	warnings     WarningSource
	deadlines    Deadlines
	calendar     CalendarAdmin
	categories   []nlp.Category
	ranks        []nlp.Rank
	outcomes     intake.Outcomes
	live         LiveSource
	wechat       wechatChannel
	evidence     EvidenceKeeper
	outbox       *Outbox // sends notices to reporters (outbox.go); nil: receipts answer 503
}

// New builds the server, with metrics of its own.
func New(tickets Tickets, dialogue Dialogue, rdb redis.UniversalClient, log *slog.Logger, cfg Config) *Server {
	s := &Server{echo: echo.New(), tickets: tickets, dialogue: dialogue, rdb: rdb, log: log, cfg: cfg, metrics: newMetrics()}
	if s.cfg.Ready == nil {
		s.cfg.Ready = func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
	}
	s.echo.HideBanner, s.echo.HidePort = true, true
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.IPExtractor = clientIP(cfg.TrustedProxies)
	s.wechat = s.newWechatChannel()
	s.echo.Pre(noSniff)
	s.echo.Use(middleware.Recover(), s.observe, middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit: strconv.FormatInt(cfg.MaxBody, 10) + "B", Skipper: func(c echo.Context) bool { return c.Path() == attachmentsRoute }}))
	s.routes()
	return s
}

// routes is the one route table.
func (s *Server) routes() {
	s.echo.GET("/healthz", s.healthz)
	s.echo.GET("/readyz", s.readyz)
	s.echo.POST("/api/v1/webhooks/sms", s.smsWebhook)
	s.echo.POST("/api/v1/webhooks/sms/twilio", s.twilioWebhook)
	s.echo.POST("/api/v1/webhooks/sms/status", s.smsStatus)
	s.echo.POST("/api/v1/webhooks/hotline", s.hotlineWebhook)
	s.echo.GET("/api/v1/webhooks/wechat", s.wechatVerify)
	s.echo.POST("/api/v1/webhooks/wechat", s.wechatWebhook)
	s.echo.GET("/api/v1/tickets/:number", s.ticketStatus)
	s.echo.POST(attachmentsRoute, s.attachEvidence)
	s.echo.GET("/ws/chat", s.chat)
	s.echo.GET("/", s.page("index.html"))
	s.echo.GET("/status", s.page("status.html"))
	s.echo.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServerFS(staticFiles))))
}

// noSniff stops browsers from reading an answer as anything but its declared type
// (a JSON answer quoting a citizen's text must never run as HTML or script).
func noSniff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderXContentTypeOptions, "nosniff")
		return next(c)
	}
}

// Handler is the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

func (s *Server) key(parts ...string) string {
	k := "qf:{" + s.cfg.Namespace + "}:web"
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Ready(ctx); err != nil {
		return &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: messages["unavailable"], Err: err}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
