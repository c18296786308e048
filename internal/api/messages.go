package api

import (
	"fmt"
	"net/http"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// The API's own texts, in the languages of the refusal catalogue and chosen
// the same way: by the request's Accept-Language, pt-BR by default. Only
// the explanation (error_data.details) is translated: Graph's code, type and
// title stay as Meta gives them, so clients keep matching on codes. What
// other packages put in a text (a phone number's or a ledger field's
// reason, a parser's error) is passed through as they wrote it.

// msg names one text of the table.
type msg int

// The texts. Each takes the same verbs, in the same order, in every
// language (TestMessagesHaveEveryLanguage checks it).
const (
	msgParam            msg = iota // field, explanation
	msgMissing                     // field
	msgUnknownPath                 // path
	msgInternal                    //
	msgUnknownObject               // id
	msgAsGiven                     // a text of another package
	msgNotRFC3339                  // value
	msgUnreadable                  // error
	msgNotMultipart                // error
	msgNotTrainingType             // content type
	msgNotModelVersion             // value
	msgNoModelVersion              // version
	msgBadLineTrained              // count (1), first errors
	msgBadLinesTrained             // count (not 1), first errors
	msgTooLarge                    // bytes
	msgNotJSONType                 // content type
	msgNotJSON                     // error
	msgWrongType                   // wanted kind, got
	msgNotObject                   // got
	msgUnknownField                //
	msgNotPageSize                 // value, max
	msgNotRecipients               // max
	msgNotTimeZone                 //
	msgNotCSVType                  // content type
	msgNotScope                    // value
	msgBadFilename                 //
	msgNotProofURL                 // value
	msgTooManyNumbers              // max
	msgNotCSV                      // error
	msgNoNumbers                   //
	msgBadLineImported             // line, reason
	msgBadLineImported1            // count (1), first errors
	msgBadLinesImported            // count (not 1), first errors
	msgAndMore                     // count
	msgReason                      // reason
	msgKindString                  //
	msgKindObject                  //
	msgKindArray                   //
	msgKindBool                    //
	msgKindNumber                  //
	msgNotDossierFormat            //
	msgNotLang                     //
	msgIncidentWindow              //
	msgNotRFC3339Time              //
	msgNotBool                     // value
	msgNotLinesMode                // value
	msgNotImportFormat             // value
	msgNotIANA                     // value
	msgNotExportFormat             // value
	msgIDMismatch                  // body id, path id
	msgNotBrakeLevel               //
	msgNotLimit                    // max
	msgNoCampaign                  // id
	msgCampaignExists              //
	msgCampaignStateAny            //
	msgCampaignState               // state
	msgCount                       // not a text: how many there are
)

// messages holds every text in every language.
var messages = map[msg]map[refusal.Lang]string{
	msgParam: {
		refusal.PT: "Parâmetro %s: %s", refusal.EN: "Param %s: %s", refusal.ES: "Parámetro %s: %s"},
	msgMissing: {
		refusal.PT: "O parâmetro %s é obrigatório.", refusal.EN: "The parameter %s is required.", refusal.ES: "El parámetro %s es obligatorio."},
	msgUnknownPath: {
		refusal.PT: "Componentes de caminho desconhecidos: %s", refusal.EN: "Unknown path components: %s", refusal.ES: "Componentes de ruta desconocidos: %s"},
	msgInternal: {
		refusal.PT: "Ocorreu um erro inesperado. Tente a solicitação novamente mais tarde.",
		refusal.EN: "An unexpected error has occurred. Please retry your request later.",
		refusal.ES: "Se produjo un error inesperado. Vuelve a intentar la solicitud más tarde."},
	msgUnknownObject: {
		refusal.PT: "Solicitação GET não suportada. O objeto com ID '%s' não existe, não pode ser carregado por falta de permissões ou não suporta esta operação.",
		refusal.EN: "Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
		refusal.ES: "Solicitud GET no admitida. El objeto con ID '%s' no existe, no se puede cargar por falta de permisos o no admite esta operación."},
	msgAsGiven: {refusal.PT: "%s", refusal.EN: "%s", refusal.ES: "%s"},
	msgNotRFC3339: {
		refusal.PT: "%q não é um horário RFC 3339 como 2026-12-03T09:30:00Z",
		refusal.EN: "%q is not an RFC 3339 time like 2026-12-03T09:30:00Z",
		refusal.ES: "%q no es una hora RFC 3339 como 2026-12-03T09:30:00Z"},
	msgUnreadable: {
		refusal.PT: "não pôde ser lido: %v", refusal.EN: "could not be read: %v", refusal.ES: "no se pudo leer: %v"},
	msgNotMultipart: {
		refusal.PT: "não é um formulário multipart: %v", refusal.EN: "is not a multipart form: %v", refusal.ES: "no es un formulario multipart: %v"},
	msgNotTrainingType: {
		refusal.PT: "%q não é application/jsonl, text/csv nem multipart/form-data",
		refusal.EN: "%q is not application/jsonl, text/csv or multipart/form-data",
		refusal.ES: "%q no es application/jsonl, text/csv ni multipart/form-data"},
	msgNotModelVersion: {
		refusal.PT: "%q não é uma versão de modelo (0 para o modelo embutido)",
		refusal.EN: "%q is not a model version (0 for the built-in model)",
		refusal.ES: "%q no es una versión de modelo (0 para el modelo incorporado)"},
	msgNoModelVersion: {
		refusal.PT: "o tenant não tem a versão de modelo %d", refusal.EN: "the tenant has no model version %d", refusal.ES: "el tenant no tiene la versión de modelo %d"},
	msgBadLineTrained: {
		refusal.PT: "%d linha com erro, nada foi treinado: %s",
		refusal.EN: "%d bad line, nothing was trained: %s",
		refusal.ES: "%d línea con error, no se entrenó nada: %s"},
	msgBadLinesTrained: {
		refusal.PT: "%d linhas com erro, nada foi treinado: %s",
		refusal.EN: "%d bad lines, nothing was trained: %s",
		refusal.ES: "%d líneas con error, no se entrenó nada: %s"},
	msgTooLarge: {
		refusal.PT: "tem mais de %d bytes", refusal.EN: "is larger than %d bytes", refusal.ES: "tiene más de %d bytes"},
	msgNotJSONType: {
		refusal.PT: "%q não é application/json", refusal.EN: "%q is not application/json", refusal.ES: "%q no es application/json"},
	msgNotJSON: {
		refusal.PT: "não é um JSON aceitável: %v", refusal.EN: "is not acceptable JSON: %v", refusal.ES: "no es un JSON aceptable: %v"},
	msgWrongType: {
		refusal.PT: "deve ser %s, veio %s", refusal.EN: "must be %s, got %s", refusal.ES: "debe ser %s, llegó %s"},
	msgNotObject: {
		refusal.PT: "deve ser um objeto JSON, veio %s", refusal.EN: "must be a JSON object, got %s", refusal.ES: "debe ser un objeto JSON, llegó %s"},
	msgUnknownField: {
		refusal.PT: "não é um campo desta solicitação", refusal.EN: "is not a field of this request", refusal.ES: "no es un campo de esta solicitud"},
	msgNotPageSize: {
		refusal.PT: "%q não é um número inteiro de 1 a %d", refusal.EN: "%q is not a whole number from 1 to %d", refusal.ES: "%q no es un número entero de 1 a %d"},
	msgNotRecipients: {
		refusal.PT: "deve ser um número inteiro de 1 a %d", refusal.EN: "must be a whole number from 1 to %d", refusal.ES: "debe ser un número entero de 1 a %d"},
	msgNotTimeZone: {
		refusal.PT: "deve ser um fuso horário IANA como America/Sao_Paulo",
		refusal.EN: "must be an IANA time zone such as America/Sao_Paulo",
		refusal.ES: "debe ser una zona horaria IANA como America/Sao_Paulo"},
	msgNotCSVType: {
		refusal.PT: "%q não é text/csv", refusal.EN: "%q is not text/csv", refusal.ES: "%q no es text/csv"},
	msgNotScope: {
		refusal.PT: "%q não é all nem marketing", refusal.EN: "%q is not all or marketing", refusal.ES: "%q no es all ni marketing"},
	msgBadFilename: {
		refusal.PT: "deve ter no máximo 255 caracteres imprimíveis",
		refusal.EN: "must be at most 255 printable characters",
		refusal.ES: "debe tener como máximo 255 caracteres imprimibles"},
	msgNotProofURL: {
		refusal.PT: "%q não é uma URL http(s) absoluta", refusal.EN: "%q is not an absolute http(s) URL", refusal.ES: "%q no es una URL http(s) absoluta"},
	msgTooManyNumbers: {
		refusal.PT: "tem mais de %d números; divida-o em vários arquivos",
		refusal.EN: "has more than %d numbers; split it into several files",
		refusal.ES: "tiene más de %d números; divídelo en varios archivos"},
	msgNotCSV: {
		refusal.PT: "não pôde ser lido como CSV: %v", refusal.EN: "could not be read as CSV: %v", refusal.ES: "no se pudo leer como CSV: %v"},
	msgNoNumbers: {
		refusal.PT: "não tem números", refusal.EN: "has no numbers", refusal.ES: "no tiene números"},
	msgBadLineImported: {
		refusal.PT: "linha %d: %s, nada foi importado",
		refusal.EN: "line %d: %s, nothing was imported",
		refusal.ES: "línea %d: %s, no se importó nada"},
	msgBadLineImported1: {
		refusal.PT: "%d linha com erro, nada foi importado: %s",
		refusal.EN: "%d bad line, nothing was imported: %s",
		refusal.ES: "%d línea con error, no se importó nada: %s"},
	msgBadLinesImported: {
		refusal.PT: "%d linhas com erro, nada foi importado: %s",
		refusal.EN: "%d bad lines, nothing was imported: %s",
		refusal.ES: "%d líneas con error, no se importó nada: %s"},
	msgAndMore: {
		refusal.PT: "; e mais %d", refusal.EN: "; and %d more", refusal.ES: "; y %d más"},
	msgReason: {
		refusal.PT: "motivo %s", refusal.EN: "reason %s", refusal.ES: "motivo %s"},
	msgKindString: {refusal.PT: "um texto", refusal.EN: "a string", refusal.ES: "un texto"},
	msgKindObject: {refusal.PT: "um objeto", refusal.EN: "an object", refusal.ES: "un objeto"},
	msgKindArray:  {refusal.PT: "uma lista", refusal.EN: "an array", refusal.ES: "una lista"},
	msgKindBool:   {refusal.PT: "true ou false", refusal.EN: "true or false", refusal.ES: "true o false"},
	msgKindNumber: {refusal.PT: "um número", refusal.EN: "a number", refusal.ES: "un número"},
	msgNotDossierFormat: {
		refusal.PT: "deve ser html, pdf ou json", refusal.EN: "must be html, pdf or json", refusal.ES: "debe ser html, pdf o json"},
	msgNotLang: {
		refusal.PT: "deve ser pt-BR, en ou es", refusal.EN: "must be pt-BR, en or es", refusal.ES: "debe ser pt-BR, en o es"},
	msgIncidentWindow: {
		refusal.PT: "o dossiê de um incidente cobre a janela do próprio incidente",
		refusal.EN: "an incident's dossier covers the incident's own window",
		refusal.ES: "el expediente de un incidente cubre la ventana del propio incidente"},
	msgNotRFC3339Time: {
		refusal.PT: "deve ser um horário RFC 3339 como 2026-11-01T00:00:00Z",
		refusal.EN: "must be an RFC 3339 time such as 2026-11-01T00:00:00Z",
		refusal.ES: "debe ser una hora RFC 3339 como 2026-11-01T00:00:00Z"},
	msgNotBool: {
		refusal.PT: "%q não é true nem false", refusal.EN: "%q is not true or false", refusal.ES: "%q no es true ni false"},
	msgNotLinesMode: {
		refusal.PT: "%q não é all, refused nem none", refusal.EN: "%q is not all, refused or none", refusal.ES: "%q no es all, refused ni none"},
	msgNotImportFormat: {
		refusal.PT: "%q não é csv, json nem jsonl", refusal.EN: "%q is not csv, json or jsonl", refusal.ES: "%q no es csv, json ni jsonl"},
	msgNotIANA: {
		refusal.PT: "%q não é um fuso horário IANA", refusal.EN: "%q is not an IANA time zone", refusal.ES: "%q no es una zona horaria IANA"},
	msgNotExportFormat: {
		refusal.PT: "%q não é csv nem jsonl", refusal.EN: "%q is not csv or jsonl", refusal.ES: "%q no es csv ni jsonl"},
	msgIDMismatch: {
		refusal.PT: "%q não é o %q do caminho", refusal.EN: "%q is not the path's %q", refusal.ES: "%q no es el %q de la ruta"},
	msgNotBrakeLevel: {
		refusal.PT: "deve ser marketing, business ou all", refusal.EN: "must be marketing, business or all", refusal.ES: "debe ser marketing, business o all"},
	msgNoCampaign: {
		refusal.PT: "Solicitação não suportada. A campanha '%s' não existe.",
		refusal.EN: "Unsupported request. Campaign '%s' does not exist.",
		refusal.ES: "Solicitud no admitida. La campaña '%s' no existe."},
	msgCampaignExists: {
		refusal.PT: "Já existe uma campanha com este id.", refusal.EN: "A campaign with this id already exists.", refusal.ES: "Ya existe una campaña con este id."},
	msgCampaignStateAny: {
		refusal.PT: "A situação da campanha não permite isto.", refusal.EN: "The campaign's state does not allow this.", refusal.ES: "El estado de la campaña no lo permite."},
	msgCampaignState: {
		refusal.PT: "A campanha está %s, o que não permite isto.", refusal.EN: "The campaign is %s, which does not allow this.", refusal.ES: "La campaña está %s, lo que no lo permite."},
	msgNotLimit: {
		refusal.PT: "deve ser um número inteiro de 1 a %d", refusal.EN: "must be a whole number from 1 to %d", refusal.ES: "debe ser un número entero de 1 a %d"},
}

// lang is the language of a request's answers.
func lang(r *http.Request) refusal.Lang { return refusal.Header(r) }

// text is one text in a language, its verbs filled.
func text(l refusal.Lang, m msg, args ...any) string {
	f, ok := messages[m][l]
	if !ok {
		f = messages[m][refusal.PT]
	}
	return fmt.Sprintf(f, args...)
}
