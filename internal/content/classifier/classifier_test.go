package classifier

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Olá, ATUALIZAÇÃO cadastral!", []string{"ola", "atualizacao", "cadastral"}},
		{"Click http://bit.ly/x now", []string{"click", TokURL, "now"}},
		{"visit www.example.com.", []string{"visit", TokURL}},
		{"acesse banco-seguro.com.br/login", []string{"acesse", TokURL}},
		{"mail me at ana@example.com", []string{"mail", "me", "at", TokEmail}},
		{"win £1000 cash", []string{"win", TokMoney, "cash"}},
		{"pague R$ 1.500,00 hoje", []string{"pague", TokMoney, "hoje"}},
		{"custa $ agora 10", []string{"custa", "agora", TokNum}},
		{"pague R$1.500,00 hoje", []string{"pague", TokMoney, "hoje"}},
		{"only 50p a msg", []string{"only", TokMoney, "a", "msg"}},
		{"call 08452810075 or 0845-281-0075", []string{"call", TokPhone, "or", TokPhone}},
		{"reply 87121 by 21st", []string{"reply", TokNum, "by", TokNum, "st"}},
		{"Decomposed: cafe\u0301", []string{"decomposed", "cafe"}},
		{"don't", []string{"don", "t"}},
		{"", []string{}},
		{"  \t\n ", []string{}},
	}
	for _, tc := range tests {
		if got := Tokens(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestClassifyExamples checks the built-in model on messages not in its
// data: obvious fraud must be called so, and the legitimate messages of
// banks, carriers and billing that look most like fraud must not be
// called smishing.
func TestClassifyExamples(t *testing.T) {
	m := Builtin()
	tests := []struct {
		name string
		text string
		want string // label; "not smishing" accepts ham or spam
	}{
		{"en prize link", "URGENT! Your account has been suspended. Verify your details now at http://secure-verify.example.xyz to avoid closure", Smishing},
		{"en bank otp phish", "Dear customer, your bank account is blocked. Click http://bit.ly/unlock-acc and enter your PIN to reactivate", Smishing},
		{"en prize", "Congratulations! You have won a £1000 cash prize. Call 09061701461 now to claim. T&Cs apply", "spam or smishing"},
		{"pt prize", "Parabéns! Você ganhou um prêmio de R$1000 em dinheiro. Ligue agora 09061701461 para resgatar", "spam or smishing"},
		{"pt free entry", "GRÁTIS! Entrada gratuita no sorteio semanal para ganhar prêmios. Envie GANHE para 87121 e receba", "spam or smishing"},
		{"en friend", "Hey, are we still meeting for lunch tomorrow? Let me know when you leave home", Ham},
		{"pt friend", "Oi, tudo bem? Vou chegar um pouco atrasado hoje, me espera na frente da escola", Ham},
		{"en bank statement", "Your monthly statement is ready. You can view it in the app. We will never ask for your password.", "not smishing"},
		{"pt billing", "Olá Maria, sua fatura de dezembro já está disponível no aplicativo. Vencimento dia 10.", "not smishing"},
		{"pt delivery", "Seu pedido 48213 saiu para entrega e chega hoje até as 18h.", "not smishing"},
		{"en appointment", "Reminder: your appointment with Dr. Silva is tomorrow at 10am. Reply if you need to reschedule.", "not smishing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := m.Classify(tc.text)
			ok := v.Label == tc.want
			switch tc.want {
			case "not smishing":
				ok = v.Label != Smishing
			case "spam or smishing":
				ok = v.Label == Spam || v.Label == Smishing
			}
			if !ok {
				t.Errorf("Classify(%q) = %s (%.3f, words %q), want %s", tc.text, v.Label, v.Score, v.Words, tc.want)
			}
			if v.Score < 1.0/3 || v.Score > 1 {
				t.Errorf("Score = %v, want the probability of the likeliest of three labels", v.Score)
			}
			if v.Model != m.Name() {
				t.Errorf("Model = %q, want %q", v.Model, m.Name())
			}
			if len(v.Words) > wordsInVerdict {
				t.Errorf("%d words, want at most %d", len(v.Words), wordsInVerdict)
			}
		})
	}
}

// TestRetrainFixesAFalseAlarm: the built-in data's legitimate English
// messages are private chatter while its smishing is full of parcels, so
// the built-in model calls an honest delivery notice smishing. A tenant's
// few labelled notices are what corrects it.
func TestRetrainFixesAFalseAlarm(t *testing.T) {
	notice := "Your parcel was delivered today at 14:32 and left with your neighbour. Thank you for shopping with us."
	if v := Builtin().Classify(notice); v.Label != Smishing {
		t.Skipf("the built-in model no longer flags the notice (%s): this test has nothing to correct", v.Label)
	}
	tenant := []Example{
		{Text: "Your parcel was delivered today at 09:10 and left at your door. Thank you for shopping with us.", Label: Ham},
		{Text: "Your order has been delivered and left with your neighbour at number 12. Thank you for shopping with us.", Label: Ham},
		{Text: "Good news: your parcel was delivered this afternoon. Thank you for shopping with us.", Label: Ham},
		{Text: "Your parcel is out for delivery today between 13:00 and 15:00. Thank you for shopping with us.", Label: Ham},
	}
	m := Builtin().Extend("acme-v1", tenant)
	if v := m.Classify(notice); v.Label == Smishing {
		t.Errorf("after retraining: %s (%.3f, words %q), want not smishing", v.Label, v.Score, v.Words)
	}
	phish := "Your parcel could not be delivered. Pay the customs fee at http://parcel-fee.example.top to release it"
	if v := m.Classify(phish); v.Label == Ham {
		t.Errorf("after retraining the fee scam is %s (%.3f): want it still flagged", v.Label, v.Score)
	}
}

func TestWordsExplainTheLabel(t *testing.T) {
	v := Builtin().Classify("FREE entry! WIN a prize, txt WIN to 87121 now")
	if v.Label == Ham || len(v.Words) == 0 {
		t.Fatalf("verdict %+v: want spam with words", v)
	}
	if !slices.ContainsFunc(v.Words, func(w string) bool {
		return strings.Contains(w, "win") || strings.Contains(w, "free") || strings.Contains(w, "prize")
	}) {
		t.Errorf("Words = %q: want the spam words among them", v.Words)
	}
	seen := map[string]bool{}
	for _, w := range v.Words {
		if seen[w] {
			t.Errorf("word %q twice in %q", w, v.Words)
		}
		seen[w] = true
	}
}

// TestTrainingIsDeterministic trains twice, on the data in two orders, and
// wants byte-identical models.
func TestTrainingIsDeterministic(t *testing.T) {
	train, _ := examples(t)
	shuffled := slices.Clone(train)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	a, err := trainBuiltin("x", train).Encode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := trainBuiltin("x", shuffled).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same examples in another order trained another model")
	}
}

// TestExtendEqualsTrainingOnBoth: a model extended with examples is the
// model trained on both sets.
func TestExtendEqualsTrainingOnBoth(t *testing.T) {
	train, _ := examples(t)
	a, b := train[:4000], train[4000:]
	got := Train("x", a).Extend("x", b)
	want := Train("x", train)
	if !sameCounts(got, want) {
		t.Fatalf("extended model differs from the model of both sets: %d vs %d features", got.Features(), want.Features())
	}
}

func TestModelRoundTrip(t *testing.T) {
	m := Builtin().Extend("acme-v3", []Example{{Text: "sua fatura do cartão vence amanhã", Label: Ham, Lang: "pt-BR"}})
	data, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name() != "acme-v3" || got.Rows() != m.Rows() || !sameCounts(got, m) {
		t.Fatalf("round trip: %s %d rows, want %s %d rows", got.Name(), got.Rows(), m.Name(), m.Rows())
	}
	_, heldOut := examples(t)
	for _, e := range heldOut[:200] {
		a, b := m.Classify(e.Text), got.Classify(e.Text)
		if a.Label != b.Label || a.Score != b.Score || !slices.Equal(a.Words, b.Words) {
			t.Fatalf("%q: %+v before, %+v after the round trip", e.Text, a, b)
		}
	}

	bad := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not gzip", []byte("hello")},
		{"truncated", data[:len(data)/2]},
	}
	for _, tc := range bad {
		if _, err := Decode(tc.data); !errors.Is(err, ErrFormat) {
			t.Errorf("Decode(%s) = %v, want ErrFormat", tc.name, err)
		}
	}
	future := *m
	future.name = "x"
	enc, err := encodeFormat(&future, formatVersion+1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(enc); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "format version") {
		t.Errorf("Decode(newer format) = %v, want ErrFormat naming the version", err)
	}
}

func TestHeldOutIsStable(t *testing.T) {
	train, heldOut := examples(t)
	n := len(train) + len(heldOut)
	if share := float64(len(heldOut)) / float64(n); share < 0.17 || share > 0.23 {
		t.Errorf("held-out share %.3f, want about 0.2", share)
	}
	for _, e := range heldOut {
		if !HeldOut(e.Text) || !HeldOut("  "+e.Text+"\n") {
			t.Fatalf("%q not held out on a second look", e.Text)
		}
	}
}

// BenchmarkClassify300 measures one verdict on 300-character messages of
// the held-out data, and reports the 99th percentile of single calls.
func BenchmarkClassify300(b *testing.B) {
	_, heldOut := examples(b)
	var texts []string
	for _, e := range heldOut {
		s := e.Text
		for len(s) < 300 {
			s += " " + e.Text
		}
		texts = append(texts, s[:300])
	}
	m := Builtin()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		m.Classify(texts[i%len(texts)])
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
}

// BenchmarkRetrain measures a tenant's retraining: the built-in counts
// extended with 1,000 examples, measured on their held-out part, encoded.
func BenchmarkRetrain(b *testing.B) {
	train, _ := examples(b)
	tenant := train[:1000]
	for b.Loop() {
		tr, held := Split(tenant)
		m := Builtin().Extend("x", tr)
		Evaluate(m, held)
		if _, err := m.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}
