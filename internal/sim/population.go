package sim

import (
	"context"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// PopulationConfig models the people who receive the business's messages.
// With Enabled, every delivered message is answered by a seeded recipient
// whose chance to read, reply, mute, block, report or opt out depends on
// consent, recent frequency, local hour, category and the text's
// Spamminess. Zero fields take the defaults of DefaultPopulation; see
// docs/simulator.md for the model and the table of parameters.
type PopulationConfig struct {
	Enabled bool
	// Consented lists wa_ids that gave consent; others consent with
	// probability ConsentShare (drawn once per person from the seed).
	Consented []string
	// ConsentShare is the share of other recipients who consented (0..1).
	// Zero means nobody else did; set it negative for the same.
	ConsentShare float64

	// Base probabilities per delivered message for a consenting recipient
	// of a clean UTILITY-like message in daytime, the first of the day.
	Read, Reply, Mute, Block, Report, OptOut float64

	// UnconsentedNegative multiplies mute, block, report and opt-out for a
	// recipient who never consented; UnconsentedPositive multiplies read and
	// reply.
	UnconsentedNegative, UnconsentedPositive float64
	// SpamWeight: negatives × (1 + SpamWeight·spamminess); read and reply ×
	// (1 − spamminess/2).
	SpamWeight float64
	// FreePerDay messages from one business in 24 h are not held against
	// it; each further one adds FrequencyWeight to the negative multiplier
	// (and divides read and reply by the same factor).
	FreePerDay      int
	FrequencyWeight float64
	// QuietStart and QuietEnd bound the recipient's local quiet hours
	// [start, end) (24-hour clock, may wrap midnight); negatives × QuietFactor.
	QuietStart, QuietEnd int
	QuietFactor          float64
	// CategoryFactor multiplies negatives per template category (MARKETING,
	// UTILITY, AUTHENTICATION) and "" for non-template messages.
	CategoryFactor map[string]float64
	// OptedOutFactor multiplies negatives for someone who already asked the
	// business to stop and still gets its messages.
	OptedOutFactor float64
	// Temper is the σ of the log-normal per-person propensity (mean 1): some
	// people block at the first nuisance, others never.
	Temper float64
	// UTCOffsets maps a calling-code prefix of the wa_id to the recipient's
	// offset from UTC in minutes (longest prefix wins); DefaultUTCOffset
	// applies otherwise. Fixed offsets: daylight saving time is ignored.
	UTCOffsets       map[string]int
	DefaultUTCOffset int
	// Memory bounds the messages remembered per person (the last 7 days).
	Memory int
}

// DefaultPopulation returns the population defaults (disabled).
func DefaultPopulation() PopulationConfig {
	return PopulationConfig{
		Read: 0.8, Reply: 0.1, Mute: 0.006, Block: 0.002, Report: 0.0003, OptOut: 0.003,
		UnconsentedNegative: 5, UnconsentedPositive: 0.5,
		SpamWeight: 3, FreePerDay: 2, FrequencyWeight: 0.5,
		QuietStart: 22, QuietEnd: 8, QuietFactor: 2,
		CategoryFactor: map[string]float64{"MARKETING": 1.5, "UTILITY": 0.6, "AUTHENTICATION": 0.3, "": 0.5},
		OptedOutFactor: 10,
		Temper:         0.5,
		UTCOffsets: map[string]int{
			"55": -180, "1": -300, "52": -360, "54": -180, "56": -240, "57": -300, "51": -300,
			"34": 60, "351": 0, "44": 0, "49": 60, "33": 60, "91": 330,
		},
		Memory: 64,
	}
}

// withDefaults fills zero fields from DefaultPopulation.
func (p PopulationConfig) withDefaults() PopulationConfig {
	d := DefaultPopulation()
	set := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	set(&p.Read, d.Read)
	set(&p.Reply, d.Reply)
	set(&p.Mute, d.Mute)
	set(&p.Block, d.Block)
	set(&p.Report, d.Report)
	set(&p.OptOut, d.OptOut)
	set(&p.UnconsentedNegative, d.UnconsentedNegative)
	set(&p.UnconsentedPositive, d.UnconsentedPositive)
	set(&p.SpamWeight, d.SpamWeight)
	set(&p.FrequencyWeight, d.FrequencyWeight)
	set(&p.QuietFactor, d.QuietFactor)
	set(&p.OptedOutFactor, d.OptedOutFactor)
	set(&p.Temper, d.Temper)
	if p.FreePerDay == 0 {
		p.FreePerDay = d.FreePerDay
	}
	if p.QuietStart == 0 && p.QuietEnd == 0 {
		p.QuietStart, p.QuietEnd = d.QuietStart, d.QuietEnd
	}
	if p.CategoryFactor == nil {
		p.CategoryFactor = d.CategoryFactor
	}
	if p.UTCOffsets == nil {
		p.UTCOffsets = d.UTCOffsets
	}
	if p.Memory <= 0 {
		p.Memory = d.Memory
	}
	return p
}

// Tally counts what recipients did with delivered messages.
type Tally struct {
	Delivered int64 `json:"delivered"`
	Read      int64 `json:"read"`
	Replied   int64 `json:"replied"`
	Muted     int64 `json:"muted"`
	Blocked   int64 `json:"blocked"`
	Reported  int64 `json:"reported"`
	OptedOut  int64 `json:"opted_out"`
}

func (t *Tally) add(r Reaction, optOut bool) {
	t.Delivered++
	if r.Read {
		t.Read++
	}
	if r.Reply != "" && !optOut {
		t.Replied++
	}
	if r.Mute {
		t.Muted++
	}
	if r.Block {
		t.Blocked++
	}
	if r.Report {
		t.Reported++
	}
	if optOut {
		t.OptedOut++
	}
}

// PopulationTallies are the population's counts, split by consent.
type PopulationTallies struct {
	Recipients  int   `json:"recipients"`
	Consented   Tally `json:"consented"`
	Unconsented Tally `json:"unconsented"`
}

// population is the Behaviour of seeded recipients.
type population struct {
	cfg       PopulationConfig
	seed      uint64
	consented map[string]bool

	mu      sync.Mutex
	people  map[string]*person // WABA id + "/" + wa_id
	tallies PopulationTallies
}

type person struct {
	consented  bool
	propensity float64
	optedOut   bool
	recent     []memory // oldest first, at most cfg.Memory
}

// memory is one message a person received.
type memory struct {
	At         time.Time
	Category   string
	Spamminess float64
}

func newPopulation(cfg PopulationConfig, seed int64) *population {
	p := &population{cfg: cfg.withDefaults(), seed: uint64(seed), consented: map[string]bool{}, people: map[string]*person{}}
	for _, id := range cfg.Consented {
		p.consented[waIDFor(id)] = true
	}
	return p
}

// profile draws a person from the seed and their wa_id alone, so the same
// person is the same whatever order messages arrive in.
func (p *population) profile(waID string) *person {
	h := fnv.New64a()
	_, _ = h.Write([]byte(waID))
	r := rand.New(rand.NewPCG(p.seed, h.Sum64()))
	u, z := r.Float64(), r.NormFloat64()
	s := p.cfg.Temper
	return &person{
		consented:  p.consented[waID] || u < p.cfg.ConsentShare,
		propensity: math.Exp(s*z - s*s/2), // log-normal with mean 1
	}
}

// utcOffset is the recipient's offset from UTC, by the longest matching
// calling-code prefix.
func (p *population) utcOffset(waID string) time.Duration {
	best, off := 0, p.cfg.DefaultUTCOffset
	for prefix, m := range p.cfg.UTCOffsets {
		if len(prefix) > best && strings.HasPrefix(waID, prefix) {
			best, off = len(prefix), m
		}
	}
	return time.Duration(off) * time.Minute
}

func (p *population) quiet(hour int) bool {
	a, b := p.cfg.QuietStart, p.cfg.QuietEnd
	if a <= b {
		return hour >= a && hour < b
	}
	return hour >= a || hour < b
}

// stopWord is what a person types to opt out, in their language.
func stopWord(waID string) string {
	switch {
	case strings.HasPrefix(waID, "55"), strings.HasPrefix(waID, "351"):
		return "PARAR"
	case strings.HasPrefix(waID, "1"), strings.HasPrefix(waID, "44"):
		return "STOP"
	case len(waID) > 1 && (waID[0] == '5' || strings.HasPrefix(waID, "34")):
		return "BAJA"
	}
	return "STOP"
}

var replies = []string{"Obrigado!", "ok", "Recebido, valeu", "👍"}

// OnSend decides what the recipient does with one delivered message. It
// draws exactly six numbers from rng per call so that outcomes repeat under
// a seed whatever the probabilities are.
func (p *population) OnSend(_ context.Context, d Delivery, rng *rand.Rand) Reaction {
	text := d.Content
	if text == "" {
		text = d.Text
	}
	spam := Spamminess(text)
	c := p.cfg

	p.mu.Lock()
	defer p.mu.Unlock()
	key := d.WABAID + "/" + d.To
	who := p.people[key]
	if who == nil {
		who = p.profile(d.To)
		p.people[key] = who
		p.tallies.Recipients++
	}
	// Forget what is older than the 7-day window; count the last 24 h.
	keep := who.recent[:0]
	day := 0
	for _, m := range who.recent {
		if d.At.Sub(m.At) >= 7*24*time.Hour {
			continue
		}
		if d.At.Sub(m.At) < 24*time.Hour {
			day++
		}
		keep = append(keep, m)
	}
	who.recent = keep
	if len(who.recent) >= c.Memory {
		who.recent = append(who.recent[:0], who.recent[1:]...)
	}
	who.recent = append(who.recent, memory{At: d.At, Category: d.Category, Spamminess: spam})

	neg := who.propensity * (1 + c.SpamWeight*spam)
	pos := 1 - spam/2
	if f, ok := c.CategoryFactor[d.Category]; ok {
		neg *= f
	}
	if !who.consented {
		neg *= c.UnconsentedNegative
		pos *= c.UnconsentedPositive
	}
	if extra := day + 1 - c.FreePerDay; extra > 0 {
		f := 1 + c.FrequencyWeight*float64(extra)
		neg *= f
		pos /= f
	}
	if p.quiet(d.At.Add(p.utcOffset(d.To)).UTC().Hour()) {
		neg *= c.QuietFactor
	}
	if who.optedOut {
		neg *= c.OptedOutFactor
	}
	chance := func(base, f float64) bool { return rng.Float64() < math.Min(base*f, 0.95) }
	var r Reaction
	report := chance(c.Report, neg)
	block := chance(c.Block, neg)
	mute := chance(c.Mute, neg)
	optOut := chance(c.OptOut, neg)
	read := chance(c.Read, pos)
	reply := chance(c.Reply, pos)
	switch {
	case report:
		// Reporting on WhatsApp offers to block too; people read first.
		r.Report, r.Block, r.Read = true, true, true
	case block:
		r.Block, r.Read = true, true
	default:
		r.Mute = mute
		r.Read = read || optOut
	}
	stopped := false
	switch {
	case r.Block:
	case optOut && !who.optedOut:
		who.optedOut, stopped = true, true
		r.Reply = stopWord(d.To)
	case reply && r.Read && len(d.MessageID) > 1:
		r.Reply = replies[int(d.MessageID[len(d.MessageID)-2])%len(replies)]
	}
	t := &p.tallies.Unconsented
	if who.consented {
		t = &p.tallies.Consented
	}
	t.add(r, stopped)
	return r
}

// snapshot returns the tallies.
func (p *population) snapshot() PopulationTallies {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tallies
}
