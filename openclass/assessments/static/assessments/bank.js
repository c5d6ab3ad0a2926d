// Question form: show the fieldsets of the chosen kind, add choice rows without a reload.
// Without JavaScript every fieldset shows and "Add a choice" reloads the form with a new row.

const form = document.getElementById("question-form");

function showKindParts() {
  const kind = form.querySelector("[name=kind]").value;
  for (const part of form.querySelectorAll(".kind-part")) {
    part.hidden = !part.dataset.kinds.split(" ").includes(kind);
  }
}

function addChoice(event) {
  const total = form.querySelector("[name=choices-TOTAL_FORMS]");
  const button = event.currentTarget;
  const count = Number(total.value);
  event.preventDefault();
  if (count >= Number(button.dataset.max)) {
    button.disabled = true;
    return;
  }
  const template = document.getElementById("choice-template");
  const html = template.innerHTML.replaceAll("__prefix__", String(count));
  const list = document.getElementById("choice-rows");
  list.insertAdjacentHTML("beforeend", html);
  total.value = String(count + 1);
  const row = list.lastElementChild;
  const label = row.querySelector(".choice-label");
  label.textContent = `${label.textContent} (${count + 1})`;
  row.querySelector("input[type=text]").focus();
  if (count + 1 >= Number(button.dataset.max)) button.disabled = true;
}

if (form) {
  form.querySelector("[name=kind]").addEventListener("change", showKindParts);
  document.getElementById("add-choice").addEventListener("click", addChoice);
  showKindParts();
}
