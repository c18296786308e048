package templatelint

import "strconv"

// component returns the first component of type typ, or nil.
func (t *Template) component(typ string) *Component {
	for i := range t.Components {
		if t.Components[i].Type == typ {
			return &t.Components[i]
		}
	}
	return nil
}

// texts are the texts of a template a recipient reads, with their fields:
// header text, body, footer and button labels.
func (t *Template) texts() []fieldText {
	var out []fieldText
	for _, c := range t.Components {
		if c.HasText && c.Text != "" {
			out = append(out, fieldText{c.Field("text"), c.Text})
		}
		for _, b := range c.Buttons {
			if b.Text != "" {
				out = append(out, fieldText{buttonField(c, b, "text"), b.Text})
			}
		}
	}
	return out
}

type fieldText struct{ field, text string }

// buttonField is the path of one of a button's fields.
func buttonField(c Component, b Button, name string) string {
	p := c.Field("buttons") + "[" + strconv.Itoa(b.Index) + "]"
	if name != "" {
		p += "." + name
	}
	return p
}
