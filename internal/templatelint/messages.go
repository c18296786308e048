package templatelint

import (
	"fmt"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// texts holds every finding's message and fix per language, as fmt formats
// taking the finding's arguments in the same order in every language.
var texts = map[string]map[refusal.Lang]Text{
	"name.format": {
		refusal.PT: {"O nome %q tem caracteres que a Meta não aceita.", "Use só letras minúsculas sem acento, números e sublinhado (_), por exemplo pedido_confirmado."},
		refusal.EN: {"The name %q has characters Meta does not accept.", "Use only lower-case letters, digits and underscores, for example order_confirmed."},
		refusal.ES: {"El nombre %q tiene caracteres que Meta no acepta.", "Use solo minúsculas sin tilde, números y guion bajo (_), por ejemplo pedido_confirmado."},
	},
	"name.length": {
		refusal.PT: {"O nome tem %d caracteres; o máximo da Meta é %d.", "Encurte o nome."},
		refusal.EN: {"The name is %d characters long; Meta's maximum is %d.", "Shorten the name."},
		refusal.ES: {"El nombre tiene %d caracteres; el máximo de Meta es %d.", "Acorte el nombre."},
	},
	"language.unknown": {
		refusal.PT: {"%q não é um código de idioma de templates da Meta.", "Use um código da lista da Meta, como pt_BR, en_US ou es."},
		refusal.EN: {"%q is not one of Meta's template language codes.", "Use a code from Meta's list, such as en_US, pt_BR or es."},
		refusal.ES: {"%q no es un código de idioma de plantillas de Meta.", "Use un código de la lista de Meta, como es, es_MX o pt_BR."},
	},
	"category.unknown": {
		refusal.PT: {"A categoria %q não existe.", "Use MARKETING, UTILITY ou AUTHENTICATION."},
		refusal.EN: {"The category %q does not exist.", "Use MARKETING, UTILITY or AUTHENTICATION."},
		refusal.ES: {"La categoría %q no existe.", "Use MARKETING, UTILITY o AUTHENTICATION."},
	},
	"category.auth_only": {
		refusal.PT: {"%s só existe em templates AUTHENTICATION.", "Retire-o, ou crie o template na categoria AUTHENTICATION."},
		refusal.EN: {"%s exists only in AUTHENTICATION templates.", "Remove it, or create the template in the AUTHENTICATION category."},
		refusal.ES: {"%s solo existe en plantillas AUTHENTICATION.", "Quítelo, o cree la plantilla en la categoría AUTHENTICATION."},
	},
	"components.duplicate": {
		refusal.PT: {"Há mais de um componente %s.", "Deixe um só componente de cada tipo."},
		refusal.EN: {"There is more than one %s component.", "Keep one component of each type."},
		refusal.ES: {"Hay más de un componente %s.", "Deje un solo componente de cada tipo."},
	},
	"components.body_missing": {
		refusal.PT: {"O template não tem corpo (BODY).", "Adicione um componente BODY com o texto da mensagem."},
		refusal.EN: {"The template has no BODY.", "Add a BODY component with the message's text."},
		refusal.ES: {"La plantilla no tiene cuerpo (BODY).", "Agregue un componente BODY con el texto del mensaje."},
	},
	"components.body_text": {
		refusal.PT: {"O corpo (BODY) não tem texto.", "Escreva o texto da mensagem no campo text do BODY."},
		refusal.EN: {"The BODY has no text.", "Write the message's text in the BODY's text field."},
		refusal.ES: {"El cuerpo (BODY) no tiene texto.", "Escriba el texto del mensaje en el campo text del BODY."},
	},
	"components.unchecked": {
		refusal.PT: {"O componente %s não é verificado pelo gateway.", "Revise-o você mesmo antes de enviar à Meta."},
		refusal.EN: {"The %s component is not checked by the gateway.", "Review it yourself before submitting it to Meta."},
		refusal.ES: {"El componente %s no es verificado por el gateway.", "Revíselo usted mismo antes de enviarlo a Meta."},
	},
	"header.format_missing": {
		refusal.PT: {"O cabeçalho (HEADER) não diz seu formato.", "Informe format: TEXT, IMAGE, VIDEO, DOCUMENT ou LOCATION."},
		refusal.EN: {"The HEADER does not state its format.", "Set format to TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION."},
		refusal.ES: {"El encabezado (HEADER) no indica su formato.", "Indique format: TEXT, IMAGE, VIDEO, DOCUMENT o LOCATION."},
	},
	"header.text_missing": {
		refusal.PT: {"O cabeçalho de texto está vazio.", "Escreva o texto do cabeçalho ou retire o HEADER."},
		refusal.EN: {"The text header is empty.", "Write the header's text or remove the HEADER."},
		refusal.ES: {"El encabezado de texto está vacío.", "Escriba el texto del encabezado o quite el HEADER."},
	},
	"header.text_with_media": {
		refusal.PT: {"Um cabeçalho %s não leva texto.", "Retire o text do HEADER, ou use format TEXT."},
		refusal.EN: {"A %s header takes no text.", "Remove the HEADER's text, or use format TEXT."},
		refusal.ES: {"Un encabezado %s no lleva texto.", "Quite el text del HEADER, o use format TEXT."},
	},
	"footer.variables": {
		refusal.PT: {"O rodapé (FOOTER) tem variáveis, que a Meta não aceita ali.", "Escreva o rodapé só com texto fixo; leve a variável para o corpo."},
		refusal.EN: {"The FOOTER has variables, which Meta does not accept there.", "Write the footer as fixed text; move the variable to the body."},
		refusal.ES: {"El pie (FOOTER) tiene variables, que Meta no acepta allí.", "Escriba el pie solo con texto fijo; lleve la variable al cuerpo."},
	},
	"variables.malformed": {
		refusal.PT: {"A variável %q está malformada.", "Escreva variáveis como {{1}} (posicionais) ou {{nome}} (nomeadas), com chaves duplas e sem espaços."},
		refusal.EN: {"The variable %q is malformed.", "Write variables as {{1}} (positional) or {{name}} (named), with double braces and no spaces."},
		refusal.ES: {"La variable %q está mal formada.", "Escriba las variables como {{1}} (posicionales) o {{nombre}} (con nombre), con llaves dobles y sin espacios."},
	},
	"variables.sequence": {
		refusal.PT: {"As variáveis %s não seguem a sequência {{1}} a {{%d}}.", "Numere as variáveis de 1 em diante, sem pular números."},
		refusal.EN: {"The variables %s do not run from {{1}} to {{%d}}.", "Number the variables from 1 up, skipping none."},
		refusal.ES: {"Las variables %s no siguen la secuencia {{1}} a {{%d}}.", "Numere las variables desde 1, sin saltar números."},
	},
	"variables.format_mismatch": {
		refusal.PT: {"A variável {{%s}} não é do formato %s do template.", "Com parameter_format positional use {{1}}, {{2}}…; com named use {{nome}} em minúsculas; não misture."},
		refusal.EN: {"The variable {{%s}} does not match the template's %s format.", "With parameter_format positional use {{1}}, {{2}}…; with named use lower-case {{name}}; do not mix them."},
		refusal.ES: {"La variable {{%s}} no es del formato %s de la plantilla.", "Con parameter_format positional use {{1}}, {{2}}…; con named use {{nombre}} en minúsculas; no los mezcle."},
	},
	"variables.leading": {
		refusal.PT: {"O texto começa com uma variável.", "Comece com texto fixo, por exemplo \"Olá, {{1}}\"."},
		refusal.EN: {"The text starts with a variable.", "Start with fixed text, for example \"Hello {{1}}\"."},
		refusal.ES: {"El texto empieza con una variable.", "Empiece con texto fijo, por ejemplo \"Hola, {{1}}\"."},
	},
	"variables.trailing": {
		refusal.PT: {"O texto termina com uma variável.", "Termine com texto fixo, por exemplo \"… {{2}}. Obrigado!\"."},
		refusal.EN: {"The text ends with a variable.", "End with fixed text, for example \"… {{2}}. Thank you!\"."},
		refusal.ES: {"El texto termina con una variable.", "Termine con texto fijo, por ejemplo \"… {{2}}. ¡Gracias!\"."},
	},
	"variables.adjacent": {
		refusal.PT: {"As variáveis {{%s}} e {{%s}} estão lado a lado.", "Separe variáveis com texto fixo, ou junte-as numa só."},
		refusal.EN: {"The variables {{%s}} and {{%s}} are next to each other.", "Separate variables with fixed text, or merge them into one."},
		refusal.ES: {"Las variables {{%s}} y {{%s}} están juntas.", "Separe las variables con texto fijo, o únalas en una sola."},
	},
	"variables.density": {
		refusal.PT: {"%d variáveis para %d palavras de texto fixo: a Meta rejeita templates com variáveis demais para o tamanho.", "Escreva mais texto fixo ou use menos variáveis."},
		refusal.EN: {"%d variables for %d words of fixed text: Meta rejects templates with too many variables for their length.", "Write more fixed text or use fewer variables."},
		refusal.ES: {"%d variables para %d palabras de texto fijo: Meta rechaza plantillas con demasiadas variables para su longitud.", "Escriba más texto fijo o use menos variables."},
	},
	"variables.header_count": {
		refusal.PT: {"O cabeçalho tem %d variáveis; a Meta aceita uma.", "Deixe no máximo uma variável no cabeçalho."},
		refusal.EN: {"The header has %d variables; Meta accepts one.", "Keep at most one variable in the header."},
		refusal.ES: {"El encabezado tiene %d variables; Meta acepta una.", "Deje como máximo una variable en el encabezado."},
	},
	"length.body": {
		refusal.PT: {"O corpo tem %d caracteres; o máximo é %d.", "Encurte o texto."},
		refusal.EN: {"The body is %d characters long; the maximum is %d.", "Shorten the text."},
		refusal.ES: {"El cuerpo tiene %d caracteres; el máximo es %d.", "Acorte el texto."},
	},
	"length.header": {
		refusal.PT: {"O cabeçalho tem %d caracteres; o máximo é %d.", "Encurte o cabeçalho."},
		refusal.EN: {"The header is %d characters long; the maximum is %d.", "Shorten the header."},
		refusal.ES: {"El encabezado tiene %d caracteres; el máximo es %d.", "Acorte el encabezado."},
	},
	"length.footer": {
		refusal.PT: {"O rodapé tem %d caracteres; o máximo é %d.", "Encurte o rodapé."},
		refusal.EN: {"The footer is %d characters long; the maximum is %d.", "Shorten the footer."},
		refusal.ES: {"El pie tiene %d caracteres; el máximo es %d.", "Acorte el pie."},
	},
	"length.button_text": {
		refusal.PT: {"O texto do botão tem %d caracteres; o máximo é %d.", "Encurte o texto do botão."},
		refusal.EN: {"The button's text is %d characters long; the maximum is %d.", "Shorten the button's text."},
		refusal.ES: {"El texto del botón tiene %d caracteres; el máximo es %d.", "Acorte el texto del botón."},
	},
	"length.url": {
		refusal.PT: {"A URL tem %d caracteres; o máximo é %d.", "Use uma URL mais curta."},
		refusal.EN: {"The URL is %d characters long; the maximum is %d.", "Use a shorter URL."},
		refusal.ES: {"La URL tiene %d caracteres; el máximo es %d.", "Use una URL más corta."},
	},
	"buttons.total": {
		refusal.PT: {"O template tem %d botões; o máximo é %d.", "Deixe no máximo 10 botões."},
		refusal.EN: {"The template has %d buttons; the maximum is %d.", "Keep at most 10 buttons."},
		refusal.ES: {"La plantilla tiene %d botones; el máximo es %d.", "Deje como máximo 10 botones."},
	},
	"buttons.count": {
		refusal.PT: {"O template tem %d botões %s; o máximo é %d.", "Retire os botões a mais desse tipo."},
		refusal.EN: {"The template has %d %s buttons; the maximum is %d.", "Remove the extra buttons of that type."},
		refusal.ES: {"La plantilla tiene %d botones %s; el máximo es %d.", "Quite los botones de más de ese tipo."},
	},
	"buttons.grouping": {
		refusal.PT: {"Botões de resposta rápida estão misturados com botões de ação (URL, telefone…).", "Agrupe as respostas rápidas juntas, antes ou depois dos botões de ação."},
		refusal.EN: {"Quick-reply buttons are interleaved with call-to-action buttons (URL, phone…).", "Group the quick replies together, before or after the call-to-action buttons."},
		refusal.ES: {"Los botones de respuesta rápida están mezclados con botones de acción (URL, teléfono…).", "Agrupe las respuestas rápidas juntas, antes o después de los botones de acción."},
	},
	"buttons.text_missing": {
		refusal.PT: {"O botão %s não tem texto.", "Dê um texto curto ao botão (até 25 caracteres)."},
		refusal.EN: {"The %s button has no text.", "Give the button a short text (up to 25 characters)."},
		refusal.ES: {"El botón %s no tiene texto.", "Dé un texto corto al botón (hasta 25 caracteres)."},
	},
	"buttons.url_invalid": {
		refusal.PT: {"A URL %q do botão não é uma URL http(s) válida.", "Use uma URL completa, começando com https://."},
		refusal.EN: {"The button's URL %q is not a valid http(s) URL.", "Use a complete URL starting with https://."},
		refusal.ES: {"La URL %q del botón no es una URL http(s) válida.", "Use una URL completa que empiece con https://."},
	},
	"buttons.url_variable": {
		refusal.PT: {"A URL do botão só pode ter uma variável, no final.", "Deixe a parte fixa da URL e ponha uma única variável no fim, como https://exemplo.com/pedido/{{1}}."},
		refusal.EN: {"A button URL may have one variable only, at its end.", "Keep the URL's fixed part and put one variable at the end, as in https://example.com/order/{{1}}."},
		refusal.ES: {"La URL del botón solo puede tener una variable, al final.", "Deje la parte fija de la URL y ponga una única variable al final, como https://ejemplo.com/pedido/{{1}}."},
	},
	"buttons.phone_invalid": {
		refusal.PT: {"O número de telefone %q do botão não é válido.", "Informe o número completo com código do país, só dígitos e + (até 20 caracteres), como +5511987654321."},
		refusal.EN: {"The button's phone number %q is not valid.", "Give the full number with country code, digits and + only (up to 20 characters), such as +16505551234."},
		refusal.ES: {"El número de teléfono %q del botón no es válido.", "Indique el número completo con código de país, solo dígitos y + (hasta 20 caracteres), como +5215512345678."},
	},
	"examples.missing": {
		refusal.PT: {"Faltam exemplos para as variáveis (%s).", "A Meta exige um exemplo para cada variável: informe-os em example."},
		refusal.EN: {"The variables lack examples (%s).", "Meta requires an example for each variable: give them in example."},
		refusal.ES: {"Faltan ejemplos para las variables (%s).", "Meta exige un ejemplo para cada variable: indíquelos en example."},
	},
	"examples.count": {
		refusal.PT: {"Há %d exemplos para %d variáveis.", "Dê exatamente um exemplo por variável, na ordem delas."},
		refusal.EN: {"There are %d examples for %d variables.", "Give exactly one example per variable, in their order."},
		refusal.ES: {"Hay %d ejemplos para %d variables.", "Dé exactamente un ejemplo por variable, en su orden."},
	},
	"examples.empty": {
		refusal.PT: {"Um exemplo está vazio.", "Preencha cada exemplo com um valor realista (sem dados reais de clientes)."},
		refusal.EN: {"An example is empty.", "Fill each example with a realistic value (no real customer data)."},
		refusal.ES: {"Un ejemplo está vacío.", "Complete cada ejemplo con un valor realista (sin datos reales de clientes)."},
	},
	"examples.names": {
		refusal.PT: {"A variável {{%s}} não tem exemplo nomeado.", "Informe {\"param_name\": \"...\", \"example\": \"...\"} para cada variável nomeada."},
		refusal.EN: {"The variable {{%s}} has no named example.", "Give {\"param_name\": \"...\", \"example\": \"...\"} for each named variable."},
		refusal.ES: {"La variable {{%s}} no tiene ejemplo con nombre.", "Indique {\"param_name\": \"...\", \"example\": \"...\"} para cada variable con nombre."},
	},
	"examples.header_handle": {
		refusal.PT: {"O cabeçalho %s não tem mídia de exemplo.", "Envie um arquivo de exemplo pela API de upload retomável da Meta e informe o identificador em example.header_handle."},
		refusal.EN: {"The %s header has no sample media.", "Upload a sample file through Meta's resumable upload API and give its handle in example.header_handle."},
		refusal.ES: {"El encabezado %s no tiene un archivo de ejemplo.", "Suba un archivo de ejemplo con la API de carga reanudable de Meta e indique su identificador en example.header_handle."},
	},
	"promotional.utility": {
		refusal.PT: {"Template UTILITY com linguagem promocional (%s). A Meta trata isso como MARKETING, e a classificação errada conta como infração da empresa.", "Envie como MARKETING, ou retire a promoção e deixe só a informação que a pessoa pediu ou precisa (pedido, entrega, conta)."},
		refusal.EN: {"UTILITY template with promotional wording (%s). Meta treats it as MARKETING, and the misclassification counts as a strike against the business.", "Submit it as MARKETING, or remove the promotion and keep only what the person asked for or needs (order, delivery, account)."},
		refusal.ES: {"Plantilla UTILITY con lenguaje promocional (%s). Meta la trata como MARKETING, y la clasificación errónea cuenta como infracción de la empresa.", "Envíela como MARKETING, o quite la promoción y deje solo lo que la persona pidió o necesita (pedido, entrega, cuenta)."},
	},
	"authentication.otp_button": {
		refusal.PT: {"Template AUTHENTICATION precisa de exatamente um botão OTP.", "Adicione BUTTONS com um botão {\"type\": \"OTP\", \"otp_type\": \"COPY_CODE\"} (ou ONE_TAP/ZERO_TAP)."},
		refusal.EN: {"An AUTHENTICATION template needs exactly one OTP button.", "Add BUTTONS with one {\"type\": \"OTP\", \"otp_type\": \"COPY_CODE\"} button (or ONE_TAP/ZERO_TAP)."},
		refusal.ES: {"Una plantilla AUTHENTICATION necesita exactamente un botón OTP.", "Agregue BUTTONS con un botón {\"type\": \"OTP\", \"otp_type\": \"COPY_CODE\"} (o ONE_TAP/ZERO_TAP)."},
	},
	"authentication.button_type": {
		refusal.PT: {"Template AUTHENTICATION não aceita botão %s.", "Deixe só o botão OTP."},
		refusal.EN: {"An AUTHENTICATION template takes no %s button.", "Keep only the OTP button."},
		refusal.ES: {"Una plantilla AUTHENTICATION no acepta botón %s.", "Deje solo el botón OTP."},
	},
	"authentication.otp_type": {
		refusal.PT: {"otp_type %q não existe.", "Use COPY_CODE, ONE_TAP ou ZERO_TAP."},
		refusal.EN: {"otp_type %q does not exist.", "Use COPY_CODE, ONE_TAP or ZERO_TAP."},
		refusal.ES: {"otp_type %q no existe.", "Use COPY_CODE, ONE_TAP o ZERO_TAP."},
	},
	"authentication.otp_app": {
		refusal.PT: {"Botão %s sem o aplicativo Android que recebe o código.", "Informe package_name e signature_hash (ou supported_apps), ou use COPY_CODE."},
		refusal.EN: {"%s button without the Android app that receives the code.", "Give package_name and signature_hash (or supported_apps), or use COPY_CODE."},
		refusal.ES: {"Botón %s sin la aplicación Android que recibe el código.", "Indique package_name y signature_hash (o supported_apps), o use COPY_CODE."},
	},
	"authentication.header": {
		refusal.PT: {"Template AUTHENTICATION não tem cabeçalho nem mídia.", "Retire o HEADER."},
		refusal.EN: {"An AUTHENTICATION template has no header or media.", "Remove the HEADER."},
		refusal.ES: {"Una plantilla AUTHENTICATION no tiene encabezado ni multimedia.", "Quite el HEADER."},
	},
	"authentication.body_text": {
		refusal.PT: {"O corpo de um template AUTHENTICATION é o texto fixo da Meta (\"{{1}} é o seu código de verificação.\"), não um texto próprio.", "Retire o text do BODY; use add_security_recommendation para o aviso de segurança."},
		refusal.EN: {"An AUTHENTICATION template's body is Meta's fixed text (\"{{1}} is your verification code.\"), not your own.", "Remove the BODY's text; use add_security_recommendation for the security notice."},
		refusal.ES: {"El cuerpo de una plantilla AUTHENTICATION es el texto fijo de Meta (\"{{1}} es tu código de verificación.\"), no uno propio.", "Quite el text del BODY; use add_security_recommendation para el aviso de seguridad."},
	},
	"authentication.url": {
		refusal.PT: {"Template AUTHENTICATION não pode ter URL (%s).", "Retire a URL; o código vai no botão OTP."},
		refusal.EN: {"An AUTHENTICATION template may not hold a URL (%s).", "Remove the URL; the code goes in the OTP button."},
		refusal.ES: {"Una plantilla AUTHENTICATION no puede tener URL (%s).", "Quite la URL; el código va en el botón OTP."},
	},
	"authentication.emoji": {
		refusal.PT: {"Template AUTHENTICATION não pode ter emoji.", "Retire os emojis."},
		refusal.EN: {"An AUTHENTICATION template may not hold emoji.", "Remove the emoji."},
		refusal.ES: {"Una plantilla AUTHENTICATION no puede tener emojis.", "Quite los emojis."},
	},
	"authentication.footer_text": {
		refusal.PT: {"O rodapé de um template AUTHENTICATION só leva code_expiration_minutes.", "Retire o text do FOOTER e informe code_expiration_minutes."},
		refusal.EN: {"An AUTHENTICATION template's footer takes only code_expiration_minutes.", "Remove the FOOTER's text and give code_expiration_minutes."},
		refusal.ES: {"El pie de una plantilla AUTHENTICATION solo lleva code_expiration_minutes.", "Quite el text del FOOTER e indique code_expiration_minutes."},
	},
	"authentication.code_expiry": {
		refusal.PT: {"code_expiration_minutes %d está fora do intervalo de %d a %d.", "Use um prazo de validade de 1 a 90 minutos."},
		refusal.EN: {"code_expiration_minutes %d is outside %d to %d.", "Use an expiry of 1 to 90 minutes."},
		refusal.ES: {"code_expiration_minutes %d está fuera del rango de %d a %d.", "Use un vencimiento de 1 a 90 minutos."},
	},
	"authentication.no_expiry": {
		refusal.PT: {"O template AUTHENTICATION não diz quando o código expira.", "Adicione um FOOTER com code_expiration_minutes, para a pessoa saber até quando o código vale."},
		refusal.EN: {"The AUTHENTICATION template does not say when the code expires.", "Add a FOOTER with code_expiration_minutes so the person knows how long the code is valid."},
		refusal.ES: {"La plantilla AUTHENTICATION no dice cuándo vence el código.", "Agregue un FOOTER con code_expiration_minutes para que la persona sepa hasta cuándo vale el código."},
	},
}

// finding builds a finding of code with its texts rendered from args.
func finding(code string, sev Severity, field string, args ...any) Finding {
	t := texts[code]
	f := Finding{Code: code, Severity: sev, Field: field, text: make(map[refusal.Lang]Text, len(t))}
	for lang, tx := range t {
		f.text[lang] = Text{Message: fmt.Sprintf(tx.Message, args...), Fix: tx.Fix}
	}
	return f
}
