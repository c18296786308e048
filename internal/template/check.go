package template

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// ProblemKind is what is wrong with a send's template parameters.
type ProblemKind string

// Kinds of problems Check finds.
const (
	// CountMismatch: a component gets more or fewer parameters than the
	// template has variables there (Meta: 132000).
	CountMismatch ProblemKind = "count_mismatch"
	// FormatMismatch: named parameters to a positional template, or
	// positional ones to a named template.
	FormatMismatch ProblemKind = "format_mismatch"
	// MissingName: a named variable of the template gets no parameter.
	MissingName ProblemKind = "missing_name"
	// UnknownName: a parameter names a variable the template lacks.
	UnknownName ProblemKind = "unknown_name"
	// UnexpectedComponent: a component the template has no variables in
	// (or no such button) is given parameters.
	UnexpectedComponent ProblemKind = "unexpected_component"
	// MediaMismatch: a media header gets a parameter of another type.
	MediaMismatch ProblemKind = "media_mismatch"
	// SubTypeMismatch: a button is addressed with another sub_type than
	// the template's button at that index has.
	SubTypeMismatch ProblemKind = "sub_type_mismatch"
)

// Problem is one thing wrong with a send's template object.
type Problem struct {
	Kind ProblemKind
	// Component is "header", "body" or "button N".
	Component string
	// Want and Got are parameter counts (CountMismatch).
	Want, Got int
	// Name is the variable (MissingName, UnknownName), or the media type
	// wanted (MediaMismatch).
	Name string
}

// String explains the problem in a sentence a client developer can act on.
func (p Problem) String() string {
	switch p.Kind {
	case CountMismatch:
		return fmt.Sprintf("%s: the template has %d variable(s) there, the request gives %d parameter(s)", p.Component, p.Want, p.Got)
	case FormatMismatch:
		if p.Name == string(Named) {
			return fmt.Sprintf("%s: the template uses named variables; give each parameter its parameter_name", p.Component)
		}
		return fmt.Sprintf("%s: the template uses positional variables ({{1}}); give parameters in order without parameter_name", p.Component)
	case MissingName:
		return fmt.Sprintf("%s: no parameter for the variable {{%s}}", p.Component, p.Name)
	case UnknownName:
		return fmt.Sprintf("%s: the template has no variable {{%s}}", p.Component, p.Name)
	case UnexpectedComponent:
		return fmt.Sprintf("%s: the template takes no parameters there", p.Component)
	case MediaMismatch:
		return fmt.Sprintf("%s: the template's header takes a parameter of type %s", p.Component, p.Name)
	case SubTypeMismatch:
		return fmt.Sprintf("%s: the template's button there is of sub_type %s", p.Component, p.Name)
	}
	return fmt.Sprintf("%s: %s", p.Component, p.Kind)
}

// maxSlots bounds the slots Check tracks with its bit set; a template has
// a header, a body and at most ten buttons.
const maxSlots = 64

// Check compares a send's template object with what the template expects
// and returns every problem found, nil when there is none (or when the
// cache does not know the template's components yet). It does not look at
// name, language or status: Lookup and Info.Sendable do.
func Check(info *Info, t *wire.Template) []Problem {
	if info == nil || t == nil || !info.ParamsKnown {
		return nil
	}
	var problems []Problem
	var seen uint64
	for ci := range t.Components {
		c := &t.Components[ci]
		typ := strings.ToLower(c.Type)
		idx := -1
		if typ == "button" {
			idx = buttonIndex(c)
		} else if typ != "header" && typ != "body" {
			// Carousels, limited-time offers…: not modelled.
			continue
		}
		si := slotIndex(info.Slots, typ, idx)
		if si < 0 {
			if len(c.Parameters) > 0 {
				problems = append(problems, Problem{Kind: UnexpectedComponent, Component: label(typ, idx), Got: len(c.Parameters)})
			}
			continue
		}
		if si < maxSlots {
			seen |= 1 << si
		}
		sl := &info.Slots[si]
		if typ == "button" && !sl.Unchecked && c.SubType != "" && !strings.EqualFold(c.SubType, sl.SubType) {
			problems = append(problems, Problem{Kind: SubTypeMismatch, Component: sl.Label, Name: sl.SubType})
			continue
		}
		problems = checkSlot(problems, info.Format, sl, c.Parameters)
	}
	for si := range info.Slots {
		s := &info.Slots[si]
		if s.Optional || s.Unchecked || (si < maxSlots && seen&(1<<si) != 0) {
			continue
		}
		problems = append(problems, Problem{Kind: CountMismatch, Component: s.Label, Want: s.Count})
		if info.Format == Named {
			for _, n := range s.Names {
				problems = append(problems, Problem{Kind: MissingName, Component: s.Label, Name: n})
			}
		}
	}
	return problems
}

func checkSlot(problems []Problem, format Format, s *Slot, params []wire.TemplateParameter) []Problem {
	if s.Unchecked {
		return problems
	}
	if len(params) != s.Count && !(s.Optional && len(params) == 0) {
		problems = append(problems, Problem{Kind: CountMismatch, Component: s.Label, Want: s.Count, Got: len(params)})
	}
	if s.Media != "" {
		for i := range params {
			if !strings.EqualFold(params[i].Type, s.Media) {
				problems = append(problems, Problem{Kind: MediaMismatch, Component: s.Label, Name: s.Media})
			}
		}
		return problems
	}
	if s.Names == nil {
		// Positional (or a button, whose parameters are never named).
		if format == Positional {
			for i := range params {
				if params[i].ParameterName != "" {
					return append(problems, Problem{Kind: FormatMismatch, Component: s.Label, Name: string(Positional)})
				}
			}
		}
		return problems
	}
	for i := range params {
		n := params[i].ParameterName
		if n == "" {
			return append(problems, Problem{Kind: FormatMismatch, Component: s.Label, Name: string(Named)})
		}
		if !contains(s.Names, n) {
			problems = append(problems, Problem{Kind: UnknownName, Component: s.Label, Name: n})
		}
	}
	for _, n := range s.Names {
		found := false
		for i := range params {
			if params[i].ParameterName == n {
				found = true
				break
			}
		}
		if !found {
			problems = append(problems, Problem{Kind: MissingName, Component: s.Label, Name: n})
		}
	}
	return problems
}

func contains(names []string, n string) bool {
	for _, o := range names {
		if o == n {
			return true
		}
	}
	return false
}

// buttonIndex is a send's button index; -2 when absent or not a number, so
// it matches no slot.
func buttonIndex(c *wire.TemplateComponent) int {
	if c.Index == nil {
		return -2
	}
	i, err := strconv.Atoi(string(*c.Index))
	if err != nil || i < 0 {
		return -2
	}
	return i
}

func slotIndex(ss []Slot, typ string, idx int) int {
	for i := range ss {
		if ss[i].Type == typ && ss[i].Index == idx {
			return i
		}
	}
	return -1
}

func label(typ string, idx int) string {
	if typ == "button" {
		if idx < 0 {
			return "button (no index)"
		}
		return "button " + strconv.Itoa(idx)
	}
	return typ
}
