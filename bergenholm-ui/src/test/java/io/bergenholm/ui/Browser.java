package io.bergenholm.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver with Selenium: a fresh empty
 * profile each time, nothing reached but 127.0.0.1 (no sync, no component updates, no background
 * traffic). Screenshots go to {@code target/ui-screenshots}.
 */
final class Browser implements AutoCloseable {
  static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");
  static final Dimension DESKTOP = new Dimension(1280, 800);
  static final Dimension PHONE = new Dimension(390, 844);

  final ChromeDriver driver;
  private final Path profile;

  Browser() {
    try {
      profile = Files.createTempDirectory("bergenholm-ui-chromium");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--user-data-dir=" + profile,
        "--window-size=1280,800",
        "--lang=en-US");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    // The driver is given by path: Selenium Manager would otherwise try to download one.
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    size(DESKTOP);
  }

  /** Sets the viewport (not the window) to {@code d}, so screenshots have exactly that size. */
  void size(Dimension d) {
    driver.manage().window().setSize(d);
    Long innerW = (Long) js("return window.innerWidth");
    Long innerH = (Long) js("return window.innerHeight");
    driver
        .manage()
        .window()
        .setSize(
            new Dimension(
                d.width + (d.width - innerW.intValue()),
                d.height + (d.height - innerH.intValue())));
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  void open(String url) {
    driver.get(url);
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /**
   * Waits up to 20 s for {@code condition}; fails with {@code what} otherwise. The condition reads
   * a page that is being re-rendered (that is what it waits for), so an element replaced between
   * finding and reading it means "not yet" and the condition is asked again.
   */
  <T> T await(String what, ExpectedCondition<T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(20))
        .withMessage(what)
        .ignoring(StaleElementReferenceException.class)
        .until(condition);
  }

  /** Waits until the page has rendered a view whose heading reads {@code text}. */
  void awaitHeading(String text) {
    await(
        "heading '" + text + "'",
        d -> {
          List<WebElement> h = d.findElements(By.cssSelector("#view h1"));
          return !h.isEmpty() && h.get(0).getText().equals(text) ? h.get(0) : null;
        });
  }

  /**
   * A full-viewport screenshot at desktop and phone width, as target/ui-screenshots/NAME-WIDTH.png.
   */
  void screenshots(String name) {
    shoot(name + "-1280");
    size(PHONE);
    shoot(name + "-390");
    size(DESKTOP);
  }

  Path shoot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Files.copy(
          driver.getScreenshotAs(OutputType.FILE).toPath(),
          file,
          StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the page logged to its console (errors from its scripts and failed loads). */
  List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(e -> e.getMessage())
        .toList();
  }

  @Override
  public void close() {
    driver.quit();
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
