package io.bergenholm.ui;

import static io.bergenholm.ui.ConsoleServer.INSTALLED;
import static io.bergenholm.ui.ConsoleServer.NEW_MACHINE;
import static io.bergenholm.ui.ConsoleServer.NODE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console in a real headless Chromium against a real server: each test signs in as an operator
 * would and checks what the page shows against what the server holds. Screenshots of every page, at
 * 1280×800 and at phone width, are left in target/ui-screenshots.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConsoleBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Browser b;
  private ConsoleServer s;

  @BeforeAll
  static void browser() {
    b = new Browser();
  }

  @AfterAll
  static void closeBrowser() {
    b.close();
  }

  @BeforeEach
  void server() {
    // A new server is a new origin: the browser starts signed out, with empty sessionStorage.
    s = ConsoleServer.withTokens();
  }

  @AfterEach
  void stop() {
    s.close();
  }

  private void signIn(String token) {
    b.open(s.management + "/ui/");
    WebElement field =
        b.await(
            "the sign-in form",
            d -> {
              WebElement t = d.findElement(By.id("token"));
              return t.isDisplayed() ? t : null;
            });
    field.sendKeys(token, Keys.ENTER);
    b.awaitHeading("Machines");
  }

  private void go(String fragment, String heading) {
    b.open(s.management + "/ui/" + fragment);
    b.awaitHeading(heading);
  }

  private JsonNode stored(String path) throws IOException {
    HttpResponse<String> r = s.api("GET", path, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private List<String> shownHosts() {
    return b.all("table.list tbody tr").stream().map(tr -> tr.getAttribute("data-host")).toList();
  }

  /** Every form control on the page has a name a screen reader can say. */
  private void assertLabelled() {
    Object unlabelled =
        b.js(
            "return [...document.querySelectorAll('#view input, #view select, #view textarea')]"
                + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
                + ".map(e => e.outerHTML.slice(0, 80))");
    assertThat((List<?>) unlabelled).as("controls without a label").isEmpty();
  }

  private void assertNoScriptErrors() {
    // Failed API calls that a test provokes show as console errors too; only script errors count.
    assertThat(b.consoleErrors()).filteredOn(m -> !m.contains("Failed to load resource")).isEmpty();
  }

  @Test
  void signsInListsNewMachinesFirstAndFilters() throws IOException {
    b.open(s.management + "/ui/");
    WebElement token =
        b.await(
            "the sign-in form",
            d ->
                d.findElement(By.id("token")).isDisplayed() ? d.findElement(By.id("token")) : null);
    assertThat(b.driver.switchTo().activeElement())
        .as("the token field has focus")
        .isEqualTo(token);
    b.screenshots("signin");
    token.sendKeys("this-is-not-a-valid-token", Keys.ENTER);
    b.await(
        "the refusal", d -> d.findElement(By.id("signin-error")).getText().isEmpty() ? null : true);
    assertThat(b.find("#signin-error").getText()).isEqualTo("401: the bearer token is not valid");
    assertThat(b.js("return sessionStorage.getItem('bergenholm.token')")).isNull();

    b.find("#token").sendKeys(ConsoleServer.RW, Keys.ENTER);
    b.awaitHeading("Machines");
    assertThat(b.find("#who").getText()).isEqualTo("read-write");
    assertThat(shownHosts()).containsExactly(NEW_MACHINE, NODE, INSTALLED, "default", "register");
    WebElement first = b.find("table.list tbody tr");
    assertThat(first.getAttribute("class")).contains("attention");
    assertThat(first.getText()).contains("registered", "default");
    assertThat(b.find(".count").getText()).isEqualTo("5 of 5 machines, 1 waiting for an operator");
    assertThat(b.find("tr[data-host='" + NODE + "']").getText())
        .contains("node01", "rocky9, amd64");
    assertLabelled();
    b.screenshots("machines");

    WebElement search = b.find("input[type=search]");
    search.sendKeys("db01");
    assertThat(shownHosts()).containsExactly(INSTALLED);
    search.clear();
    search.sendKeys("PowerEdge"); // a registered fact, searched in the stored parameters
    assertThat(shownHosts()).containsExactly(NEW_MACHINE);
    search.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
    assertThat(shownHosts()).hasSize(5);
    new Select(b.all(".filters select").get(0)).selectByValue("installed");
    assertThat(shownHosts()).containsExactly(INSTALLED);
    new Select(b.all(".filters select").get(0)).selectByValue("");
    new Select(b.all(".filters select").get(1)).selectByValue("rocky9");
    assertThat(shownHosts()).containsExactly(NODE);
    assertThat(b.find(".count").getText()).isEqualTo("1 of 5 machines");

    String power = stored("/api/1.0/power/" + NODE).path("power").asText();
    assertThat(power).isIn("on", "off");
    b.find("tr[data-host='" + NODE + "'] button").click();
    b.await(
        "the power state",
        d ->
            d.findElement(By.cssSelector("tr[data-host='" + NODE + "'] .power"))
                    .getText()
                    .equals(power)
                ? true
                : null);

    // Keyboard: Enter on a machine's link opens it and moves focus to its heading.
    b.find("tr[data-host='" + NODE + "'] th a").sendKeys(Keys.ENTER);
    b.awaitHeading(NODE);
    assertThat(b.driver.switchTo().activeElement().getTagName()).isEqualTo("h1");
    assertNoScriptErrors();
  }

  @Test
  void showsWhereEachParameterComesFromWithSecretsMaskedAndTheFilesServed() {
    signIn(ConsoleServer.RW);
    go("#/machines/" + NODE, NODE);
    WebElement kernel = b.find("tr[data-key='kernel']");
    assertThat(kernel.findElement(By.cssSelector(".value")).getText())
        .endsWith("/images/el9/vmlinuz");
    assertThat(kernel.findElement(By.cssSelector(".raw")).getText())
        .isEqualTo("as written: {{mirror_url}}/vmlinuz");
    assertThat(kernel.findElement(By.cssSelector(".source")).getText()).isEqualTo("group el");
    assertThat(b.find("tr[data-key='version'] .source").getText()).isEqualTo("group rocky9");
    assertThat(b.find("tr[data-key='hostname'] .source").getText()).isEqualTo("this host");
    assertThat(b.find("tr[data-key='uuid'] .source").getText()).isEqualTo("computed");
    assertThat(b.find("tr[data-key='root_password'] .value").getText()).isEqualTo("********");
    assertThat(b.find("body").getText()).doesNotContain("hunter2hunter2");

    WebElement file =
        b.await(
            "the iPXE script",
            d -> {
              WebElement pre = d.findElement(By.cssSelector("pre.rendered"));
              return pre.getText().startsWith("#!ipxe") ? pre : null;
            });
    assertThat(file.getText())
        .contains(
            "echo installing " + NODE + " (node01)",
            "kernel "
                + s.boot
                + "/ipxe/kernel/${uuid} ip=dhcp inst.ks="
                + s.boot
                + "/api/1.0/templates/el.kickstart/${uuid}");
    assertLabelled();
    b.screenshots("machine");
    new Select(b.find("select[id^=f]")).selectByVisibleText("el.kickstart");
    b.await(
        "the kickstart",
        d ->
            d.findElement(By.cssSelector("pre.rendered"))
                    .getText()
                    .contains("network --hostname=node01")
                ? true
                : null);
    assertThat(b.find("pre.rendered").getText())
        .contains("rootpw ********")
        .doesNotContain("hunter2");
    new Select(b.find("select[id^=f]")).selectByVisibleText("GRUB config (linux.grub)");
    b.await(
        "the GRUB config",
        d ->
            d.findElement(By.cssSelector("pre.rendered"))
                    .getText()
                    .startsWith("linux (tftp)/bergenholm/kernel/" + NODE + " ip=dhcp")
                ? true
                : null);

    b.find("tr[data-key='version'] .source a").click();
    b.awaitHeading("Group rocky9");
    assertNoScriptErrors();
  }

  @Test
  void aConcurrentChangeIsShownNeverOverwrittenAndNothingIsLost() throws IOException {
    signIn(ConsoleServer.RW);
    go("#/machines/" + NODE, NODE);
    WebElement area = b.find(".editor textarea");
    WebElement save = b.find(".editor button[type=submit]");
    assertThat(save.isEnabled()).as("nothing to save yet").isFalse();

    // Invalid JSON is caught before anything is sent.
    area.clear();
    area.sendKeys(
        "{\"groups\": [\"rocky9\", \"amd64\"],\n\"hostname\": \"node01\"\n\"ipaddr\": 1}");
    assertThat(b.find(".editor .problem").getText()).startsWith("Not valid:").contains("line 3");
    assertThat(save.isEnabled()).isFalse();

    String mine =
        "{\"groups\": [\"rocky9\", \"amd64\"], \"hostname\": \"node01-renamed\", \"ipaddr\": \"192.0.2.101\"}";
    area.clear();
    area.sendKeys(mine);
    assertThat(b.find(".editor .dirty").getText()).isEqualTo("Unsaved changes");

    // Someone else saves first, through the API.
    HttpResponse<String> before = s.api("GET", "/api/1.0/hosts/" + NODE, null);
    HttpResponse<String> theirs =
        s.api(
            "PUT",
            "/api/1.0/hosts/" + NODE,
            "{\"groups\": [\"rocky9\", \"amd64\"], \"hostname\": \"node01\", \"ipaddr\": \"192.0.2.202\"}",
            "If-Match",
            before.headers().firstValue("ETag").orElseThrow());
    assertThat(theirs.statusCode()).isEqualTo(202);

    save.click();
    WebElement conflict =
        b.await(
            "the conflict",
            d -> {
              WebElement c = d.findElement(By.cssSelector(".conflict"));
              return c.isDisplayed() ? c : null;
            });
    assertThat(conflict.getText()).contains("Changed by someone else", "412: ");
    assertThat(conflict.findElement(By.cssSelector("pre.theirs")).getText())
        .contains("\"ipaddr\": \"192.0.2.202\"");
    assertThat(area.getAttribute("value")).isEqualTo(mine);
    assertThat(stored("/api/1.0/hosts/" + NODE).path("ipaddr").asText())
        .as("theirs is kept")
        .isEqualTo("192.0.2.202");
    assertThat(stored("/api/1.0/hosts/" + NODE).path("hostname").asText()).isEqualTo("node01");
    b.screenshots("machine-conflict");

    // Take theirs as the base; the refused edit stays on the page to copy from.
    conflict.findElement(By.xpath(".//button[.='Take theirs, keep mine below']")).click();
    assertThat(area.getAttribute("value")).contains("192.0.2.202");
    assertThat(b.find(".conflict details pre").getAttribute("textContent")).isEqualTo(mine);
    String merged =
        "{\"groups\": [\"rocky9\", \"amd64\"], \"hostname\": \"node01-renamed\", \"ipaddr\": \"192.0.2.202\"}";
    area.clear();
    area.sendKeys(merged);
    save.click();
    b.await(
        "the save",
        d -> d.findElement(By.cssSelector(".editor .dirty")).getText().isEmpty() ? true : null);
    JsonNode now = stored("/api/1.0/hosts/" + NODE);
    assertThat(now.path("hostname").asText()).isEqualTo("node01-renamed");
    assertThat(now.path("ipaddr").asText()).isEqualTo("192.0.2.202");

    // A save the server refuses shows its reason, word for word, and keeps the edit.
    String refused = "{\"groups\": [\"rocky9\"], \"ipmi_password\": \"********\"}";
    area.clear();
    area.sendKeys(refused);
    save.click();
    WebElement error =
        b.await(
            "the refusal",
            d -> {
              WebElement e = d.findElement(By.cssSelector(".editor .save-error"));
              return e.getText().isEmpty() ? null : e;
            });
    assertThat(error.getText())
        .contains(
            "Not saved. 400: host '"
                + NODE
                + "': parameter 'ipmi_password' holds the mask"
                + " ******** but no stored value matches it to keep; send the real value");
    assertThat(area.getAttribute("value")).isEqualTo(refused);
    assertThat(stored("/api/1.0/hosts/" + NODE).path("hostname").asText())
        .isEqualTo("node01-renamed");
    assertNoScriptErrors();
  }

  @Test
  void groupsShowTheInheritanceGraphAndEditSafely() throws IOException {
    signIn(ConsoleServer.RW);
    go("#/groups", "Groups");
    WebElement el = b.find("tr[data-group='el']");
    assertThat(el.findElement(By.cssSelector("td[data-label='Pulls in']")).getText())
        .isEqualTo("default");
    assertThat(el.findElement(By.cssSelector("td[data-label='Used by groups']")).getText())
        .isEqualTo("rocky9");
    assertThat(b.find("tr[data-group='amd64'] td[data-label='Hosts']").getText()).isEqualTo("2");
    b.screenshots("groups");

    el.findElement(By.cssSelector("th a")).click();
    b.awaitHeading("Group el");
    assertThat(b.find("section[aria-labelledby='up-h']").getText()).contains("default");
    assertThat(b.find("section[aria-labelledby='down-h']").getText()).contains("rocky9");
    go("#/groups/rocky9", "Group rocky9");
    assertThat(b.find("section[aria-labelledby='up-h'] .tree").getText()).isEqualTo("el\ndefault");
    assertThat(b.find("section[aria-labelledby='hosts-h']").getText()).contains(NODE);
    assertLabelled();
    b.screenshots("group");

    WebElement area = b.find(".editor textarea");
    area.clear();
    area.sendKeys("{\"groups\": [\"el\"], \"version\": \"9.4\"}");
    s.api("PUT", "/api/1.0/groups/rocky9", "{\"groups\": [\"el\"], \"version\": \"9.5\"}");
    b.find(".editor button[type=submit]").click();
    b.await(
        "the conflict",
        d -> d.findElement(By.cssSelector(".conflict")).isDisplayed() ? true : null);
    assertThat(stored("/api/1.0/groups/rocky9").path("version").asText()).isEqualTo("9.5");
    b.find(".conflict").findElement(By.xpath(".//button[.='Save mine over theirs']")).click();
    b.await(
        "the save",
        d -> d.findElement(By.cssSelector(".editor .dirty")).getText().isEmpty() ? true : null);
    assertThat(stored("/api/1.0/groups/rocky9").path("version").asText()).isEqualTo("9.4");
    assertNoScriptErrors();
  }

  @Test
  void anOlderRenderOfThePageFinishingLastDoesNotReplaceTheNewerOne() {
    signIn(ConsoleServer.RW);
    go("#/templates/linux.ipxe", "Template linux.ipxe");
    // Hold the first request for the host list, and count requests in flight.
    b.js(
        "const real = window.fetch; window.held = []; window.inFlight = 0; let first = true;"
            + "window.fetch = (...a) => {"
            + "  window.inFlight++;"
            + "  const go = () => real(...a).finally(() => window.inFlight--);"
            + "  if (first && String(a[0]).endsWith('/hosts/')) {"
            + "    first = false;"
            + "    return new Promise((resolve) => window.held.push(() => resolve(go())));"
            + "  }"
            + "  return go();"
            + "};");
    // Two renders of the same page: the first waits on the held request, the second finishes.
    b.js("window.dispatchEvent(new HashChangeEvent('hashchange'))");
    b.await("the held request", d -> ((Number) b.js("return window.held.length")).intValue() == 1);
    b.js("window.dispatchEvent(new HashChangeEvent('hashchange'))");
    b.await(
        "the newer render",
        d ->
            ((Number) b.js("return window.inFlight")).intValue() == 1
                    && !d.findElements(By.cssSelector("#view select[id^=f]")).isEmpty()
                ? true
                : null);
    WebElement host = b.find("#view select[id^=f]");

    // The older render now finishes; the page the operator is using must stay.
    b.js("window.held.forEach((release) => release())");
    b.await("the older render", d -> ((Number) b.js("return window.inFlight")).intValue() == 0);
    new Select(host).selectByValue(NODE);
    assertThat(b.all("#view h1")).hasSize(1);
    assertThat(b.all("#view select[id^=f]")).containsExactly(host);
    assertNoScriptErrors();
  }

  @Test
  void templatePreviewShowsARenderErrorAtItsLine() throws IOException {
    signIn(ConsoleServer.RW);
    go("#/templates", "Templates");
    assertThat(b.all("ul.names a").stream().map(WebElement::getText))
        .containsExactly(
            "debian.preseed",
            "el.kickstart",
            "linux.grub",
            "linux.ipxe",
            "localboot.ipxe",
            "register.ipxe");
    b.find("ul.names a[href='#/templates/linux.ipxe']").click();
    b.awaitHeading("Template linux.ipxe");
    new Select(b.find("select[id^=f]")).selectByValue(NODE);
    b.await(
        "the preview",
        d ->
            d.findElement(By.cssSelector("pre.rendered"))
                    .getText()
                    .contains("echo installing " + NODE + " (node01)")
                ? true
                : null);

    WebElement area = b.find(".editor textarea");
    area.clear();
    area.sendKeys(
        "#!ipxe\necho {{hostname}}\n{% if kernel %}\nkernel {{ipxe_url}}/kernel/${uuid}\n{% endfi %}\nboot\n");
    WebElement error =
        b.await(
            "the render error",
            d -> {
              WebElement e = d.findElement(By.cssSelector(".render-error"));
              return e.getText().isEmpty() ? null : e;
            });
    assertThat(error.getText()).startsWith("Render error: 400: template 'linux.ipxe' line ");
    String line = b.find(".gutter .bad").getText();
    assertThat(error.getText()).contains("line " + line + ":");
    assertThat(Integer.parseInt(line)).isBetween(3, 5);
    assertThat(b.find("pre.rendered").getAttribute("class")).contains("failed");
    assertLabelled();
    b.screenshots("template-error");
    error.findElement(By.tagName("button")).click();
    Long start = (Long) b.js("return arguments[0].selectionStart", area);
    String text = area.getAttribute("value");
    assertThat(text.substring(0, start.intValue()).split("\n", -1)).hasSize(Integer.parseInt(line));
    assertThat(stored("/api/1.0/templates/").path("templates")).hasSize(6);

    String fixed =
        "#!ipxe\necho {{hostname}}\n{% if kernel %}\nkernel {{ipxe_url}}/kernel/${uuid}\n{% endif %}\nboot\n";
    area.clear();
    area.sendKeys(fixed);
    b.await(
        "the fixed preview",
        d ->
            d.findElement(By.cssSelector("pre.rendered"))
                    .getText()
                    .equals(
                        "#!ipxe\necho node01\n\nkernel " + s.boot + "/ipxe/kernel/${uuid}\n\nboot")
                ? true
                : null);
    assertThat(b.find(".render-error").getText()).isEmpty();
    assertThat(s.api("GET", "/api/1.0/templates/linux.ipxe", null).body())
        .as("a preview saves nothing")
        .doesNotContain("{% if kernel %}");
    b.find(".editor button[type=submit]").click();
    b.await(
        "the save",
        d -> d.findElement(By.cssSelector(".editor .dirty")).getText().isEmpty() ? true : null);
    assertThat(s.api("GET", "/api/1.0/templates/linux.ipxe", null).body()).isEqualTo(fixed);
    b.screenshots("template");
    assertNoScriptErrors();
  }

  @Test
  void theTimelineFollowsABootLive() throws IOException {
    signIn(ConsoleServer.RW);
    go("#/machines/" + NODE, NODE);
    b.await(
        "the live stream",
        d -> d.findElement(By.cssSelector(".link-state")).getText().equals("live") ? true : null);
    assertThat(b.find(".timeline").getText())
        .as("looking at a machine is no boot step")
        .isEqualTo("No events recorded yet.");
    assertThat(b.find(".facts .state").getText()).isEqualTo("registered");

    // The machine boots: iPXE fetches its script, then its kernel (streamed from the loopback
    // upstream).
    HttpResponse<String> script = s.bootGet("/ipxe/script/" + NODE);
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).contains("kernel " + s.boot + "/ipxe/kernel/${uuid}");
    WebElement served =
        b.await(
            "the script on the timeline",
            d ->
                d.findElements(By.cssSelector(".timeline li.event.new")).stream()
                    .filter(li -> li.getText().contains("script.served"))
                    .findFirst()
                    .orElse(null));
    assertThat(served.getText()).contains("outcome=ok", "template=linux.ipxe");
    HttpResponse<String> kernel = s.bootGet("/ipxe/kernel/" + NODE);
    assertThat(kernel.statusCode()).isEqualTo(200);
    assertThat(kernel.body())
        .isEqualTo(new String(ConsoleServer.KERNEL, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(s.upstreamRequests.get()).isEqualTo(1);
    WebElement streamed =
        b.await(
            "the kernel on the timeline",
            d ->
                d.findElements(By.cssSelector(".timeline li.event.new")).stream()
                    .filter(li -> li.getText().contains("image.streamed"))
                    .findFirst()
                    .orElse(null));
    assertThat(streamed.getText()).contains("outcome=ok", "bytes=" + ConsoleServer.KERNEL.length);
    List<String> kinds =
        b.all(".timeline li.event .kind").stream().map(WebElement::getText).toList();
    assertThat(kinds).as("newest first").containsSubsequence("image.streamed", "script.served");
    b.await(
        "the state moves on",
        d ->
            d.findElement(By.cssSelector(".facts .state")).getText().equals("installing")
                ? true
                : null);
    b.screenshots("machine-timeline");

    // Read again, the machine is installing and was seen just now.
    go("#/machines", "Machines");
    WebElement row = b.find("tr[data-host='" + NODE + "']");
    assertThat(row.findElement(By.cssSelector(".state")).getText()).isEqualTo("installing");
    assertThat(
            row.findElement(By.cssSelector("td[data-label='Last seen'] time"))
                .getAttribute("datetime"))
        .isNotBlank();
    assertNoScriptErrors();
  }

  @Test
  void provisionsIntoChosenGroupsWithTheDummyDriver() throws IOException {
    signIn(ConsoleServer.RW);
    go("#/machines/" + NEW_MACHINE, NEW_MACHINE);
    WebElement panel = b.find("section[aria-labelledby='prov-h']");
    panel.findElement(By.cssSelector("input[value='default']")).click();
    panel.findElement(By.cssSelector("input[value='rocky9']")).click();
    panel.findElement(By.cssSelector("input[value='amd64']")).click();
    WebElement provision = panel.findElement(By.cssSelector("button.primary"));
    provision.click();
    assertThat(provision.getText()).isEqualTo("Really reinstall this machine?");
    provision.click();
    WebElement result =
        b.await(
            "the answer",
            d -> {
              WebElement r =
                  d.findElement(By.cssSelector("section[aria-labelledby='prov-h'] .result"));
              return r.getText().startsWith("Provisioning into") ? r : null;
            });
    assertThat(result.getText())
        .contains("Provisioning into amd64, rocky9.", "done", "groups", "network_boot_next");
    JsonNode host = stored("/api/1.0/hosts/" + NEW_MACHINE);
    assertThat(host.path("groups"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder("rocky9", "amd64");
    assertThat(stored("/api/1.0/power/" + NEW_MACHINE).path("power").asText()).isEqualTo("on");
    b.screenshots("machine-provisioned");
    assertNoScriptErrors();
  }

  @Test
  void aProvisionFromAPageOlderThanTheRecordIsRefusedAndChangesNothing() throws IOException {
    signIn(ConsoleServer.RW);
    go("#/machines/" + NEW_MACHINE, NEW_MACHINE);
    WebElement panel = b.find("section[aria-labelledby='prov-h']");
    // Someone else changes the machine after the page was loaded.
    HttpResponse<String> theirs =
        s.api(
            "PUT",
            "/api/1.0/hosts/" + NEW_MACHINE,
            "{\"groups\": [\"default\", \"debian12\"], \"hostname\": \"theirs\"}");
    assertThat(theirs.statusCode()).isIn(200, 201, 202);
    String powerBefore = stored("/api/1.0/power/" + NEW_MACHINE).path("power").asText();
    panel.findElement(By.cssSelector("input[value='rocky9']")).click();
    WebElement provision = panel.findElement(By.cssSelector("button.primary"));
    provision.click();
    provision.click();
    WebElement result =
        b.await(
            "the refusal",
            d -> {
              WebElement r =
                  d.findElement(By.cssSelector("section[aria-labelledby='prov-h'] .result .error"));
              return r.getText().isEmpty() ? null : r;
            });
    assertThat(result.getText())
        .startsWith("Not provisioned: this machine was changed by someone else")
        .contains("412");
    JsonNode host = stored("/api/1.0/hosts/" + NEW_MACHINE);
    assertThat(host.path("groups"))
        .extracting(JsonNode::asText)
        .containsExactly("default", "debian12");
    assertThat(host.path("hostname").asText()).isEqualTo("theirs");
    assertThat(stored("/api/1.0/power/" + NEW_MACHINE).path("power").asText())
        .isEqualTo(powerBefore);
    assertNoScriptErrors();
  }

  @Test
  void aSaveFromTheSamePageDoesNotStaleItsProvision() throws IOException {
    signIn(ConsoleServer.RW);
    go("#/machines/" + NEW_MACHINE, NEW_MACHINE);
    WebElement area = b.find(".editor textarea");
    area.clear();
    area.sendKeys("{\"groups\": [\"default\"], \"hostname\": \"mine\"}");
    assertThat(b.find(".editor .dirty").getText()).isEqualTo("Unsaved changes");
    b.find(".editor button[type=submit]").click();
    b.await(
        "the save",
        d -> d.findElement(By.cssSelector(".editor .dirty")).getText().isEmpty() ? true : null);
    assertThat(stored("/api/1.0/hosts/" + NEW_MACHINE).path("hostname").asText()).isEqualTo("mine");
    WebElement panel = b.find("section[aria-labelledby='prov-h']");
    panel.findElement(By.cssSelector("input[value='rocky9']")).click();
    WebElement provision = panel.findElement(By.cssSelector("button.primary"));
    provision.click();
    provision.click();
    WebElement result =
        b.await(
            "the answer",
            d -> {
              WebElement r =
                  d.findElement(By.cssSelector("section[aria-labelledby='prov-h'] .result"));
              return r.getText().isEmpty() ? null : r;
            });
    assertThat(result.getText()).startsWith("Provisioning into");
    assertThat(stored("/api/1.0/hosts/" + NEW_MACHINE).path("groups"))
        .extracting(JsonNode::asText)
        .contains("rocky9");
    assertNoScriptErrors();
  }

  @Test
  void aProvisionThatFailsHalfWaySaysWhatTookEffect() throws IOException {
    HttpResponse<String> broken =
        s.api(
            "PUT",
            "/api/1.0/hosts/" + NEW_MACHINE,
            "{\"groups\": [\"default\"], \"power_driver\": \"nosuchdriver\"}");
    assertThat(broken.statusCode()).isEqualTo(202);
    signIn(ConsoleServer.RW);
    go("#/machines/" + NEW_MACHINE, NEW_MACHINE);
    WebElement panel = b.find("section[aria-labelledby='prov-h']");
    panel.findElement(By.cssSelector("input[value='debian12']")).click();
    WebElement provision = panel.findElement(By.cssSelector("button.primary"));
    provision.click();
    provision.click();
    WebElement result =
        b.await(
            "the answer",
            d -> {
              WebElement r =
                  d.findElement(By.cssSelector("section[aria-labelledby='prov-h'] .result .error"));
              return r.getText().isEmpty() ? null : r;
            });
    HttpResponse<String> direct =
        s.api(
            "POST",
            "/api/1.0/hosts/" + NEW_MACHINE + "/provision",
            "{\"groups\": [\"default\", \"debian12\"]}");
    JsonNode answer = JSON.readTree(direct.body());
    assertThat(result.getText())
        .isEqualTo(direct.statusCode() + ": " + answer.path("error").asText());
    String shown = b.find("section[aria-labelledby='prov-h'] .result").getText();
    assertThat(shown).contains("done", "groups", "failed", answer.path("failed").asText());
    assertThat(stored("/api/1.0/hosts/" + NEW_MACHINE).path("groups"))
        .extracting(JsonNode::asText)
        .containsExactly("default", "debian12");
    assertNoScriptErrors();
  }

  @Test
  void powerActionsAskFirstWhenTheyCannotBeUndone() throws IOException {
    signIn(ConsoleServer.RW);
    go("#/machines/" + NODE, NODE);
    WebElement panel = b.find("section[aria-labelledby='power-h']");
    panel.findElement(By.xpath(".//button[.='Power on']")).click();
    b.await(
        "on",
        d -> d.findElement(By.cssSelector(".power-state")).getText().equals("on") ? true : null);
    assertThat(stored("/api/1.0/power/" + NODE).path("power").asText()).isEqualTo("on");

    WebElement off = panel.findElement(By.xpath(".//button[.='Power off']"));
    off.click();
    assertThat(off.getText()).isEqualTo("Really power off?");
    assertThat(stored("/api/1.0/power/" + NODE).path("power").asText())
        .as("asked, not done")
        .isEqualTo("on");
    off.sendKeys(Keys.ENTER); // the second press, by keyboard
    b.await(
        "off",
        d -> d.findElement(By.cssSelector(".power-state")).getText().equals("off") ? true : null);
    assertThat(stored("/api/1.0/power/" + NODE).path("power").asText()).isEqualTo("off");
    assertThat(off.getText()).isEqualTo("Power off");
    assertNoScriptErrors();
  }

  @Test
  void withoutTokensThereIsNoSignIn() {
    try (ConsoleServer open = ConsoleServer.open()) {
      b.open(open.management + "/ui/");
      b.awaitHeading("Machines");
      assertThat(b.find("#signin").isDisplayed()).isFalse();
      assertThat(b.find("#signout").isDisplayed()).isFalse();
      assertThat(b.find("#who").getText()).isEqualTo("read-write");
      assertThat(shownHosts()).hasSize(5);
      b.driver.navigate().refresh();
      b.awaitHeading("Machines");
      assertThat(b.find("#signin").isDisplayed()).isFalse();
    }
    assertNoScriptErrors();
  }

  @Test
  void aReadOnlyTokenSeesNoEditControls() {
    signIn(ConsoleServer.RO);
    assertThat(b.find("#who").getText()).isEqualTo("read-only");
    go("#/machines/" + NODE, NODE);
    assertThat(b.find(".editor textarea").getAttribute("readonly")).isNotNull();
    assertThat(b.all(".editor button")).isEmpty();
    assertThat(b.all("section[aria-labelledby='prov-h']")).isEmpty();
    assertThat(b.all("section[aria-labelledby='power-h'] .actions")).isEmpty();
    assertThat(b.find("section[aria-labelledby='power-h']").getText()).contains("Check power");
    go("#/templates", "Templates");
    assertThat(b.all("form.inline")).isEmpty();
    go("#/templates/linux.ipxe", "Template linux.ipxe");
    assertThat(b.find("#pv-h").getText()).isEqualTo("Rendered (saved version)");
    assertThat(b.all(".editor button")).isEmpty();
    go("#/groups/el", "Group el");
    assertThat(b.all(".editor button")).isEmpty();
    b.find("#signout").click();
    b.await("the sign-in form", d -> d.findElement(By.id("signin")).isDisplayed() ? true : null);
    assertThat(b.js("return sessionStorage.getItem('bergenholm.token')")).isNull();
    assertNoScriptErrors();
  }
}
