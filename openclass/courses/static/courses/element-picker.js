// The course form's content-element picker. Without this script every area's elements are
// grouped checkboxes; with it, a filter box narrows them by name and only the chosen topic's
// area is shown (with what is already ticked elsewhere, so nothing is hidden that is sent).
for (const picker of document.querySelectorAll("[data-element-picker]")) {
  const box = picker.querySelector("[data-filter-box]");
  const input = box?.querySelector("input");
  const status = picker.querySelector("[data-filter-status]");
  const empty = picker.querySelector("[data-filter-empty]");
  const topicEmpty = picker.querySelector("[data-topic-empty]");
  const topic = document.getElementById(picker.dataset.topicSelect || "");
  const groups = [...picker.querySelectorAll(".element-group")];
  if (!(input instanceof HTMLInputElement)) continue;
  box.hidden = false;

  const apply = () => {
    const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const chosenTopic = topic instanceof HTMLSelectElement ? topic.value : "";
    let shown = 0;
    for (const group of groups) {
      const inTopic = !chosenTopic || group.dataset.topic === chosenTopic;
      let groupShown = 0;
      for (const item of group.querySelectorAll("li")) {
        const label = (item.dataset.label || "").toLowerCase();
        const ticked = item.querySelector("input")?.checked ?? false;
        const match = words.every((word) => label.includes(word));
        const visible = ticked || (inTopic && match);
        item.hidden = !visible;
        groupShown += visible ? 1 : 0;
      }
      group.hidden = groupShown === 0;
      shown += groupShown;
    }
    const topicHasNone = !!chosenTopic && !groups.some((group) => group.dataset.topic === chosenTopic);
    if (topicEmpty) topicEmpty.hidden = !(topicHasNone && shown === 0);
    if (empty) empty.hidden = shown > 0 || topicHasNone;
    if (status) status.textContent = words.length
      ? (status.dataset.statusTemplate || "{n}").replace("{n}", String(shown))
      : "";
  };
  input.addEventListener("input", apply);
  topic?.addEventListener("change", apply);
  apply();
}
