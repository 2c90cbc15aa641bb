// The work list's download: the link's data: URL works without script; with script the CSV
// becomes a Blob (no URL length limit for large fleets). The temporary link is attached to the
// document before click(): a detached one fires no download in Chromium.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("a[data-download]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var comma = link.href.indexOf(",");
      if (comma < 0 || typeof Blob === "undefined") { return; }
      event.preventDefault();
      var raw = atob(link.href.slice(comma + 1));
      var bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
      var url = URL.createObjectURL(new Blob([bytes], { type: "text/csv;charset=utf-8" }));
      var temporary = document.createElement("a");
      temporary.href = url;
      temporary.download = link.getAttribute("download");
      temporary.style.display = "none";
      document.body.appendChild(temporary);
      temporary.click();
      document.body.removeChild(temporary);
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
  });
});
