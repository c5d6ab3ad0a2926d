// A form that came back with errors: move focus (and the view) to its summary at the top, so the
// page never looks as if nothing happened; a link in the summary focuses its field.
const summary = document.querySelector("[data-form-errors]");
if (summary instanceof HTMLElement && !summary.dataset.focused) {
  summary.dataset.focused = "1";
  summary.focus({ preventScroll: true });
  summary.scrollIntoView({ block: "start" });
}

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("[data-error-field]") : null;
  if (!(link instanceof HTMLAnchorElement)) return;
  const box = document.getElementById(link.dataset.errorField || "");
  const control = box && (box.matches("input, select, textarea") ? box : box.querySelector("input, select, textarea"));
  if (control instanceof HTMLElement) {
    event.preventDefault();
    control.focus();
    control.scrollIntoView({ block: "center" });
  }
});
