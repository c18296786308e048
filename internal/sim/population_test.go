package sim

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// deliverAll has a fresh population answer one message to each of n
// recipients at the given UTC time, with a fixed rng.
func deliverAll(cfg PopulationConfig, n int, at time.Time, category, text string) PopulationTallies {
	p := newPopulation(cfg, 3)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		p.OnSend(context.Background(), Delivery{WABAID: wabaID, To: recipient(i), MessageID: "wamid.x" + recipient(i),
			Category: category, TemplateName: "t", Content: text, At: at}, rng)
	}
	return p.snapshot()
}

func negatives(t Tally) int64 { return t.Muted + t.Blocked + t.OptedOut }

func TestPopulationEffects(t *testing.T) {
	const n = 4000
	clean := "Olá Ana, seu pedido 48213 saiu para entrega."
	spammy := "OFERTA!!! GANHE DESCONTO GRÁTIS, clique https://bit.ly/x 🔥🔥"
	// 14:00 and 03:00 in São Paulo (UTC−3).
	day, night := time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	half := PopulationConfig{ConsentShare: 0.5}

	t.Run("quiet hours", func(t *testing.T) {
		d := deliverAll(half, n, day, "MARKETING", clean)
		q := deliverAll(half, n, night, "MARKETING", clean)
		dn, qn := negatives(d.Consented)+negatives(d.Unconsented), negatives(q.Consented)+negatives(q.Unconsented)
		if qn < dn*3/2 {
			t.Errorf("negatives by night %d, by day %d: quiet hours should weigh about double", qn, dn)
		}
	})
	t.Run("consent", func(t *testing.T) {
		d := deliverAll(half, n, day, "MARKETING", clean)
		perC := float64(negatives(d.Consented)) / float64(d.Consented.Delivered)
		perU := float64(negatives(d.Unconsented)) / float64(d.Unconsented.Delivered)
		if d.Consented.Delivered < n/3 || d.Unconsented.Delivered < n/3 {
			t.Fatalf("consent share 0.5 split %d/%d", d.Consented.Delivered, d.Unconsented.Delivered)
		}
		if perU < 3*perC {
			t.Errorf("negative rate unconsented %.4f, consented %.4f", perU, perC)
		}
		if d.Consented.Read <= d.Unconsented.Read {
			t.Errorf("consented read %d ≤ unconsented %d", d.Consented.Read, d.Unconsented.Read)
		}
	})
	t.Run("spamminess", func(t *testing.T) {
		c := deliverAll(half, n, day, "MARKETING", clean)
		s := deliverAll(half, n, day, "MARKETING", spammy)
		if negatives(s.Unconsented) < 2*negatives(c.Unconsented) {
			t.Errorf("negatives spammy %d, clean %d", negatives(s.Unconsented), negatives(c.Unconsented))
		}
	})
	t.Run("consented list", func(t *testing.T) {
		got := deliverAll(PopulationConfig{Consented: []string{"+55 11 9" + recipient(1)[5:], recipient(2)}}, 10, day, "UTILITY", clean)
		if got.Consented.Delivered != 2 || got.Unconsented.Delivered != 8 {
			t.Errorf("tallies %+v", got)
		}
	})
	t.Run("frequency", func(t *testing.T) {
		// One person, 12 messages in 12 hours versus 12 people, one each.
		p := newPopulation(PopulationConfig{ConsentShare: 1, Mute: 0.02}, 3)
		rng := rand.New(rand.NewPCG(5, 6))
		var many, once int64
		for trial := range 400 {
			for k := range 12 {
				r := p.OnSend(context.Background(), Delivery{WABAID: wabaID, To: recipient(trial), MessageID: "wamid.ab", Category: "MARKETING",
					Content: clean, At: day.Add(time.Duration(k) * time.Hour)}, rng)
				if r.Mute {
					many++
				}
				r = p.OnSend(context.Background(), Delivery{WABAID: wabaID, To: recipient(100000 + trial*12 + k), MessageID: "wamid.ab", Category: "MARKETING",
					Content: clean, At: day.Add(time.Duration(k) * time.Hour)}, rng)
				if r.Mute {
					once++
				}
			}
		}
		if many < 2*once {
			t.Errorf("mutes with 12 a day %d, with 1 a day %d", many, once)
		}
	})
}

func TestProfileIndependentOfOrder(t *testing.T) {
	p := newPopulation(PopulationConfig{ConsentShare: 0.3}, 9)
	q := newPopulation(PopulationConfig{ConsentShare: 0.3}, 9)
	for i := range 50 {
		q.profile(recipient(49 - i)) // q meets people in another order
		if a, c := p.profile(recipient(i)), q.profile(recipient(i)); !reflect.DeepEqual(a, c) {
			t.Fatalf("profile of %s differs between populations of the same seed", recipient(i))
		}
	}
	other := newPopulation(PopulationConfig{ConsentShare: 0.3}, 10)
	same := 0
	for i := range 50 {
		if p.profile(recipient(i)).propensity == other.profile(recipient(i)).propensity {
			same++
		}
	}
	if same == 50 {
		t.Error("another seed drew the same people")
	}
}

// blastOutcome runs an unconsented spammy blast and returns everything
// observable about it.
func blastOutcome(t *testing.T, seed int64) (PopulationTallies, []QualityChange, []QualityChange, []string) {
	t.Helper()
	h := modelHarness(t, func(c *Config) { c.Seed = seed; c.Population.ConsentShare = 0.2 })
	h.createTemplate(t, "oferta_relampago", "MARKETING", spammyBody)
	h.campaign(t, 0, 200, time.Second, "oferta_relampago", "pt_BR", "Ana")
	var bodies []string
	for _, b := range h.rc.all() {
		bodies = append(bodies, string(b))
	}
	return h.sim.Population(), h.sim.QualityHistory(pnid), h.sim.TemplateHistory(wabaID), bodies
}

func TestSameSeedSameOutcome(t *testing.T) {
	p1, q1, t1, b1 := blastOutcome(t, 7)
	p2, q2, t2, b2 := blastOutcome(t, 7)
	if !reflect.DeepEqual(p1, p2) || !reflect.DeepEqual(q1, q2) || !reflect.DeepEqual(t1, t2) || !reflect.DeepEqual(b1, b2) {
		t.Fatalf("same seed, different outcome:\n%+v\n%+v", p1, p2)
	}
	if len(q1) == 0 || p1.Unconsented.Delivered == 0 {
		t.Fatalf("the blast did nothing: %+v %+v", p1, q1)
	}
	p3, _, _, b3 := blastOutcome(t, 8)
	if reflect.DeepEqual(p1, p3) && reflect.DeepEqual(b1, b3) {
		t.Error("another seed gave exactly the same outcome")
	}
}

func TestPopulationOffByDefault(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if s.beh != nil {
		t.Error("behaviour models on in DefaultConfig")
	}
	cfg := DefaultConfig()
	cfg.Population.Enabled = true
	cfg.Behaviour = DefaultBehaviour{}
	if _, err := New(cfg); err == nil {
		t.Error("New accepted a population and a custom Behaviour")
	}
}
