/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Selects and checkboxes marked data-autosubmit(-field) submit their form on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.form) return;
    if (el.hasAttribute("data-autosubmit-field") || el.form.hasAttribute("data-autosubmit")) {
      el.form.submit();
    }
  });

  // Product gallery: a thumbnail click swaps the main image instead of opening the file.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-gallery-thumb]");
    if (!link) return;
    var gallery = link.closest("[data-gallery]");
    var main = gallery && gallery.querySelector("img.gallery-main");
    if (!main) return;
    event.preventDefault();
    main.src = link.getAttribute("href");
    var thumb = link.querySelector("img");
    if (thumb) main.alt = thumb.alt;
  });

  // Variant choice: show the chosen variant's price at the top.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.name !== "variant" || !el.dataset.price) return;
    var target = document.querySelector("[data-product-price] .amount");
    if (target) target.textContent = el.dataset.price;
  });
})();
