// The launch's answer (/lti/auth/): post the id_token to the tool at once. Without script the
// page's button does the same.
const form = document.querySelector("form[data-autosubmit]");
if (form) {
  form.submit();
}
