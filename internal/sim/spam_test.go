package sim

import (
	"strings"
	"testing"
)

func TestSpamminess(t *testing.T) {
	tests := []struct {
		text     string
		min, max float64
	}{
		{"", 0, 0},
		{"Olá Ana, seu pedido 48213 saiu para entrega.", 0, 0.05},
		{"Your verification code is 123456.", 0, 0.05},
		{"Oi! Tudo bem? Podemos confirmar a consulta de amanhã às 10h?", 0, 0.1},
		{"Oferta da semana: 20% de desconto em toda a loja.", 0.3, 0.7},
		{"OFERTA RELÂMPAGO!!! GANHE 70% DE DESCONTO GRÁTIS só hoje: clique https://bit.ly/oferta 🔥🔥🔥", 0.95, 1},
		{"FREE CASH!!! Click www.win-now.example NOW, limited time deal $$$", 0.8, 1},
	}
	for _, tt := range tests {
		if got := Spamminess(tt.text); got < tt.min || got > tt.max {
			t.Errorf("Spamminess(%q) = %.3f, want in [%v, %v]", tt.text, got, tt.min, tt.max)
		}
	}
	// More of the same never makes a text less spammy.
	base := "Promoção: clique no link"
	if Spamminess(base+" https://bit.ly/a!!!") <= Spamminess(base) {
		t.Error("a shortened link and exclamation marks did not raise the score")
	}
	if Spamminess(strings.ToUpper(base)) <= Spamminess(base) {
		t.Error("capitals did not raise the score")
	}
}

func FuzzSpamminess(f *testing.F) {
	for _, s := range []string{"", "ok", "GANHE!!! https://bit.ly/x 🔥", "R$ 10%", "\xff\xfe", strings.Repeat("!", 1000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := Spamminess(s)
		if !(v >= 0 && v <= 1) {
			t.Fatalf("Spamminess(%q) = %v, outside [0, 1]", s, v)
		}
	})
}
