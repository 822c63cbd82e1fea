package e2e

import (
	"context"
	"fmt"
	"strconv"

	"github.com/chromedp/chromedp"
)

// chooseLang picks lang in the web client's language picker as a person
// does (a change event on the select) and waits until the page speaks it.
func chooseLang(lang string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		js := fmt.Sprintf(`(() => { const s = document.getElementById("lang");
  if (![...s.options].some((o) => o.value === %[1]s)) return false;
  s.value = %[1]s; s.dispatchEvent(new Event("change", { bubbles: true })); return true; })()`, strconv.Quote(lang))
		ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
		if err != nil {
			return chromedp.Void{}, err
		}
		if !ok {
			return chromedp.Void{}, fmt.Errorf("the language picker offers no %q", lang)
		}
		return chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`html[lang=%q]`, lang)))(ctx, tg)
	}
}
