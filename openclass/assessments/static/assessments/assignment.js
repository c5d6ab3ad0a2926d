// Hand-in form: one click, one version. A second click while the files are still uploading
// would hand in the same work again (the server keeps every version), so the button waits.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("[data-hand-in]")) return;
  if (form.dataset.sending === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "1";
  const button = form.querySelector("button[type=submit]");
  if (button) {
    button.setAttribute("aria-disabled", "true");
    button.textContent = button.dataset.sendingLabel || button.textContent;
  }
  form.setAttribute("aria-busy", "true");
});
// Coming back with the browser's back button restores the page as it was: allow sending again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-hand-in]")) {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
    const button = form.querySelector("button[type=submit]");
    if (button) {
      button.removeAttribute("aria-disabled");
      if (button.dataset.label) button.textContent = button.dataset.label;
    }
  }
});
