package optout

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseDoNotContact(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		csv     string
		want    []string // "line E164 scope reason"
		badLine []int
	}{
		{"plain numbers", "+5511987654321\n11 98765-4322\n\n5511987654323\n",
			[]string{"1 +5511987654321 all ", "2 +5511987654322 all ", "4 +5511987654323 all "}, nil},
		{"header and semicolons, BOM", "\ufeffmotivo;telefone;escopo\nProcon-SP;(11) 98765-4321;marketing\npedido do titular;+55 21 99876-5432;\n",
			[]string{"2 +5511987654321 marketing Procon-SP", "3 +5521998765432 all pedido do titular"}, nil},
		{"bad lines reported", "number,scope,reason\n+5511987654321,all,ok\nnot a number,all,x\n+5511987654322,everything,x\n,marketing,x\n\"unterminated,all\n",
			[]string{"2 +5511987654321 all ok"}, []int{3, 4, 5, 6}},
		{"brazil without the ninth digit", "551187654321\n", []string{"1 +5511987654321 all "}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			rep, err := ParseDoNotContact(strings.NewReader(c.csv), "BR", ScopeAll, func(d DoNotContact) error {
				got = append(got, strings.Join([]string{strconv.Itoa(d.Line), d.Number.E164, string(d.Scope), d.Reason}, " "))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
			var lines []int
			for _, e := range rep.Errors {
				lines = append(lines, e.Line)
			}
			if rep.Good != len(c.want) || rep.Bad != len(c.badLine) || itoas(lines) != itoas(c.badLine) {
				t.Errorf("report %+v, want %d good and bad lines %v", rep, len(c.want), c.badLine)
			}
		})
	}
}

func TestParseDoNotContactStopsOnCallbackError(t *testing.T) {
	t.Parallel()
	stop := errors.New("store down")
	n := 0
	_, err := ParseDoNotContact(strings.NewReader("+5511987654321\n+5511987654322\n"), "BR", ScopeMarketing, func(d DoNotContact) error {
		n++
		if d.Scope != ScopeMarketing {
			t.Errorf("default scope not applied: %+v", d)
		}
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d calls", err, n)
	}
}

func TestParseDoNotContactCapsErrors(t *testing.T) {
	t.Parallel()
	rep, err := ParseDoNotContact(strings.NewReader(strings.Repeat("x\n", MaxLineErrors+5)), "BR", ScopeAll,
		func(DoNotContact) error { return nil })
	if err != nil || rep.Bad != MaxLineErrors+5 || len(rep.Errors) != MaxLineErrors {
		t.Fatalf("report bad=%d kept=%d err=%v", rep.Bad, len(rep.Errors), err)
	}
}

func itoas(ns []int) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(strconv.Itoa(n) + ",")
	}
	return b.String()
}
