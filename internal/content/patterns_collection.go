package content

// Abusive debt collection (content-policy §1.2, C16: Meta lists debt
// collection among the exploitative business models). A business's notice
// of its own overdue bill is legitimate and reads the same as a collection
// agency's: the amount, the due date, how to pay, and the lawful
// consequences — "negativação" in SPC/Serasa after notice, protest, legal
// action. What makes it abusive (and a crime in Brazil: CDC arts. 42 and
// 71) is how it presses: threats, shaming the debtor in public, contacting
// family, neighbours or the employer, insults. So a finding needs a debt
// together with one of those, never a debt or a lawful consequence alone.

// ProhibitedDebtCollection is harassing or threatening debt collection.
const ProhibitedDebtCollection Category = "prohibited.debt_collection"

// debtWords say the message is about a debt.
var debtWords = phrases(
	"dívida", "dívidas", "débito", "débitos", "em atraso", "inadimplente", "inadimplência",
	"cobrança", "está devendo", "você nos deve", "valor devido", "parcela vencida", "parcelas vencidas",
	"deuda", "deudas", "adeudo", "adeuda", "moroso", "morosa", "cobranza", "pago vencido",
	"debt", "debts", "overdue", "past due", "you owe", "collection agency")

// The pressure that makes collection abusive.
var (
	collectionThreats = phrases(
		"sabemos onde você mora", "sabemos onde mora", "sabemos onde você trabalha", "vamos até sua casa",
		"iremos até sua casa", "vamos na sua casa", "vamos te buscar", "vamos te pegar", "vai pagar caro", "será preso", "vai ser preso", "vai preso", "mandado de prisão",
		"a polícia vai", "cuidado com sua família", "não queira saber", "por bem ou por mal",
		"sabemos dónde vive", "sabemos dónde vives", "vamos a su casa", "iremos a su casa", "será arrestado",
		"irá a la cárcel", "por las buenas o por las malas",
		"we know where you live", "we know where you work", "we will come to your house", "you will be arrested",
		"you will go to jail", "warrant for your arrest")
	collectionShaming = phrases(
		"caloteiro", "caloteira", "caloteiros", "lista de caloteiros", "mural dos devedores", "vamos divulgar",
		"vamos expor", "vamos publicar", "vamos postar", "todos vão saber", "seus vizinhos vão saber",
		"vai passar vergonha",
		"lista de morosos", "vamos a publicar", "vamos a exhibir", "todos sabrán", "deadbeat",
		"we will post", "everyone will know", "your neighbors will know", "wall of shame")
	collectionInsults = phrases(
		"vagabundo", "vagabunda", "safado", "safada", "sem vergonha", "pilantra", "trambiqueiro", "desgraçado",
		"desgraçada", "imbecil", "idiota", "sinvergüenza", "desgraciado", "ratero", "scumbag", "loser", "idiot")
	// contactVerbs with thirdParties: telling others about the debt.
	contactVerbs = phrases(
		"vamos ligar para", "vamos ligar pro", "vamos ligar pra", "vamos avisar", "vamos contar", "vamos informar",
		"vamos procurar", "entraremos em contato com", "ligaremos para", "avisaremos", "informaremos",
		"llamaremos a", "contactaremos a", "avisaremos a", "informaremos a", "vamos a llamar a",
		"we will call", "we will contact", "we will tell", "we will inform", "we'll call", "we'll tell")
	thirdParties = phrases(
		"seu chefe", "sua chefe", "seu patrão", "seu empregador", "empresa onde você trabalha", "seus familiares",
		"sua família", "seus parentes", "sua mãe", "seus vizinhos", "seus contatos", "sua esposa", "seu marido",
		"seus colegas", "sus familiares", "su familia", "su jefe", "su empleador", "sus vecinos", "sus contactos",
		"your employer", "your boss", "your family", "your relatives", "your neighbors", "your neighbours",
		"your contacts", "your wife", "your husband", "your coworkers")
)

var collectionPatterns = []pattern{
	{Category: ProhibitedDebtCollection, Severity: High, Hint: hintCollection, Need: [][]string{debtWords, collectionThreats}},
	{Category: ProhibitedDebtCollection, Severity: High, Hint: hintCollection, Need: [][]string{debtWords, collectionShaming}},
	{Category: ProhibitedDebtCollection, Severity: High, Hint: hintCollection, Need: [][]string{debtWords, collectionInsults}},
	{Category: ProhibitedDebtCollection, Severity: High, Hint: hintCollection, Need: [][]string{debtWords, contactVerbs, thirdParties},
		// "We will never call your family": the warnings against collection scams.
		Unless: phrases("nunca", "jamais", "never")},
}
