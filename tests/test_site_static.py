"""Static mode of the views (widgets/static.py), without a browser: with $GAN_COURSE_STATIC=1 every chapter's
main view pre-renders a Stack of frames, each frame the PNG that `render` gives for its values, frames of
different values differ, and selectors are linked to the Stacks; with it unset the view stays live."""
import ipywidgets as W
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gan_course import data, models, projection, runtime, training, viz, widgets  # noqa: E402
from gan_course.models.biggan import BigGANConfig, Generator  # noqa: E402
from gan_course.models.pixelcnn import PixelCNN, PixelCNNConfig  # noqa: E402
from gan_course.models.srgan import SRGANConfig, SRResNet  # noqa: E402
from gan_course.widgets import core, static  # noqa: E402
from test_widgets_ch07 import style_generator  # noqa: E402


@pytest.fixture
def static_env(monkeypatch):
    monkeypatch.setenv(static.STATIC_ENV, "1")


def slider_run():
    torch.manual_seed(0)
    G, D = models.build("mlp", sample_shape=(2,), z_dim=4, hidden=8, n_layers=1)
    x = torch.randn(256, 2)
    return training.train_gan(G, D, x, training.TrainConfig(steps=8, batch_size=32, snapshot_every=2), progress=False), x


def ch01_snapshots():
    run, x = slider_run()

    def draw(step, samples):
        fig, ax = plt.subplots(figsize=(2, 2))
        viz.plot_points(x, samples, ax=ax, title=f"step {step}")
        return fig

    return widgets.snapshot_player(run.history, draw)


def conditional_G():
    from gan_course.models.conditional import ConditionalConfig, ConditionalGenerator

    torch.manual_seed(0)
    G = ConditionalGenerator(ConditionalConfig(sample_shape=(1, 6, 6), z_dim=5, num_classes=4, embed_dim=3, hidden=16,
                                               n_layers=2))
    with torch.no_grad():
        G.embed.weight.mul_(10)  # classes that look different, as a trained G's do
    return G


def dcgan():
    runtime.seed_everything(0)
    return models.build("dcgan", img_size=16, z_dim=8, ngf=8, ndf=8)[0].eval()


def progan():
    runtime.seed_everything(0)
    G, _ = models.build("progan", img_size=16, z_dim=8, fmap_base=128, fmap_max=16)
    G.set_growth(2, 0.7)
    return G.eval()


def biggan():
    runtime.seed_everything(0)
    return Generator(BigGANConfig(img_size=16, num_classes=4, z_dim=12, shared_dim=6, g_width=16, d_width=16,
                                  attention=8)).eval()


def vqvae_and_prior():
    runtime.seed_everything(0)
    vq, _ = models.build("vqvae", img_size=16, hidden=16, codebook_size=8, code_dim=4, n_res=1)
    with torch.no_grad():
        vq.quantizer.codebook.copy_(torch.randn(8, 4) * 2)
    prior = PixelCNN(PixelCNNConfig(codebook_size=8, grid_size=4, channels=8, n_layers=1)).eval()
    with torch.no_grad():  # logits of a trained prior's size: an untrained one is near uniform at every temperature
        prior.head[1].weight.mul_(10)
    return vq.eval(), prior


def ch08_projection():
    G = style_generator("stylegan2")
    real = torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    return widgets.projection_mixer(G, real, projection.project(G, real, space="w+", steps=3).ws)


def ch09_wipe():
    runtime.seed_everything(0)
    test = data.load_sr(split="test").centre_crop(64)
    return widgets.sr_compare(test, {"SRResNet": SRResNet(SRGANConfig(n_channels=8, n_blocks=1))}, crop=32)


def ch10_editor():
    vq, _ = vqvae_and_prior()
    return widgets.code_editor(vq, torch.rand(5, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1)


def ch10_prior():
    vq, prior = vqvae_and_prior()
    return widgets.prior_sampler(prior, vq, n_samples=4, nrow=4)


# The main interactive view of each chapter (and a few more), built on toy models: (name, factory, static controls)
VIEWS = [
    ("01 snapshots", ch01_snapshots, ["index"]),
    ("02 class picker", lambda: widgets.class_picker(conditional_G(), n_samples=4), ["label"]),
    ("02 class interpolation", lambda: widgets.class_interpolation(conditional_G(), n_samples=4), ["t"]),
    ("03 disjoint supports", widgets.disjoint_supports, ["theta"]),
    ("04 latent directions", lambda: widgets.latent_sliders(dcgan(), n_directions=2, n_samples=3, n_fit=64),
     ["d0", "d1"]),
    ("04 interpolation", lambda: widgets.interpolation(dcgan(), steps=3), ["t"]),
    ("05 fade-in alpha", lambda: widgets.alpha_slider(progan(), n_samples=3), ["alpha"]),
    ("06 truncation", lambda: widgets.truncation_explorer(biggan(), n_samples=4), ["threshold"]),
    ("07 style mixing", lambda: widgets.style_mixing(style_generator(), n_samples=2), ["crossover"]),
    ("07 truncation", lambda: widgets.truncation(style_generator(), n_samples=2), ["psi"]),
    ("07 noise", lambda: widgets.noise_explorer(style_generator(), n_samples=2, n_draws=2), ["noise_0", "noise_5"]),
    ("08 projection", ch08_projection, ["crossover"]),
    ("09 wipe", ch09_wipe, ["wipe"]),
    ("10 code editor", ch10_editor, ["code"]),
    ("10 prior temperature", ch10_prior, ["temperature"]),
]


def png(picture) -> bytes:
    return bytes(core.show(W.Image(), picture).value)


def stacked_images(box, path=()):
    """(index path, Image) for every frame in a Stack (of Stacks), in the order of its children."""
    if isinstance(box, W.Image):
        yield path, box
        return
    for i, child in enumerate(box.children):
        yield from stacked_images(child, path + (i,))


FIGURES = {"01 snapshots", "03 disjoint supports", "04 interpolation", "09 wipe"}  # matplotlib: ~0.3 s a frame


@pytest.mark.parametrize("name, factory, controls", VIEWS, ids=[v[0] for v in VIEWS])
def test_each_frame_is_render_of_its_values_and_frames_differ(static_env, name, factory, controls):
    view = factory()
    assert list(view.static) == controls
    if name in FIGURES:  # 3 frames, not the page's 6-13, keep the test quick; the grid code is the same
        view.static = {controls[0]: 3}
    box = view.widget                                     # what the notebook displays in static mode
    assert isinstance(box, W.VBox) and static.CLASS in box._dom_classes
    assert view.image not in box.children                 # not the live picture: the frames
    stack = next(c for c in box.children if isinstance(c, W.Stack))
    grids = view.static_grids()
    frames = list(stacked_images(stack))
    assert len(frames) == static.frame_count(grids) >= 2
    pictures = set()
    for path, image in frames:
        values = {control: grids[control][i] for control, i in zip(grids, path)}
        assert bytes(image.value) == png(view.render(**values)), f"frame {values} is not render({values})"
        pictures.add(bytes(image.value))
    assert len(pictures) == len(frames), f"{len(frames) - len(pictures)} frames repeat another's picture"
    # the Stacks start at the controls' current values, and each selector drives them in the browser
    for control, selector in box.selectors.items():
        assert selector.index == grids[control].index(view.controls[control].value)
    first = [s for s in box.links if s.source[0] is box.selectors[controls[0]]]
    assert len(first) == 1 and first[0].target == (stack, "selected_index") and first[0].source[1] == "index"
    if len(controls) == 2:  # the second control switches every inner Stack
        inner = [s for s in box.links if s.source[0] is box.selectors[controls[1]]]
        assert sorted(id(s.target[0]) for s in inner) == sorted(id(c) for c in stack.children)
    plt.close("all")


def test_outside_static_mode_the_view_stays_live(monkeypatch):
    monkeypatch.delenv(static.STATIC_ENV, raising=False)
    view = widgets.disjoint_supports(theta=2.0)
    box = view.widget
    assert view.image in box.children and not any(isinstance(c, W.Stack) for c in box.children)
    before = bytes(view.image.value)
    view.controls["theta"].value = 0.5                    # Python renders the new picture, as before
    assert bytes(view.image.value) != before and bytes(view.image.value) == png(view.render())


def test_a_play_button_steps_through_the_frames(static_env):
    box = ch01_snapshots().widget
    play = next(c for c in box.children[2].children if isinstance(c, W.Play))
    selector = box.selectors["index"]
    assert (play.min, play.max, play.value) == (0, len(selector.options) - 1, selector.index)
    assert any(link.source == (play, "value") and link.target == (selector, "index") for link in box.links)
    assert not any(isinstance(c, W.Button) for c in box.children[2].children)  # buttons need a kernel: left out


def test_buttons_are_left_out_and_fixed_controls_named(static_env):
    view = widgets.class_picker(conditional_G(), ["zero", "one", "two", "three"], n_samples=4, seed=7)
    box = view.widget
    shown = box.children[2].children
    assert not any(isinstance(c, W.Button) for c in shown) and isinstance(shown[0], W.Dropdown)
    assert [label for label, _ in shown[0].options] == ["zero", "one", "two", "three"]
    note = next(c.value for c in box.children if isinstance(c, W.HTML) and "rendered" in c.value)
    assert "4 pictures" in note and "noise seed = 7" in note and "hold the noise across classes = True" in note


# --- the grids of values -------------------------------------------------------------------------------------
def test_a_slider_grid_is_even_over_its_range_on_its_step_and_holds_the_current_value():
    assert static.grid_values("t", W.FloatSlider(value=0.5, min=0, max=1, step=0.05), 11) == \
        [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert static.grid_values("t", W.FloatSlider(value=0.7, min=0, max=1, step=0.05), 5) == \
        [0.0, 0.25, 0.5, 0.7, 0.75, 1.0]                 # the current value is one of the frames
    assert static.grid_values("k", W.IntSlider(value=4, min=0, max=6), 17) == [0, 1, 2, 3, 4, 5, 6]  # all 7
    assert static.grid_values("k", W.IntSlider(value=3, min=0, max=3), 2) == [0, 3]
    assert static.grid_values("k", W.IntSlider(value=0, min=0, max=0), 8) == [0]  # one snapshot: one frame
    assert static.grid_values("s", W.FloatSlider(value=1.0, min=0.05, max=2.0, step=0.05), 3) == [0.05, 1.0, 2.0]


def test_boxes_lists_and_checkboxes():
    assert static.grid_values("seed", W.BoundedIntText(value=5, min=0, max=99), 3) == [5, 6, 7]  # seeds: the next ones
    assert static.grid_values("code", W.BoundedIntText(value=6, min=0, max=7), 4) == [0, 1, 6, 7]  # round at the max
    assert static.grid_values("code", W.BoundedIntText(value=1, min=0, max=2), 8) == [0, 1, 2]
    assert static.grid_values("seed", W.IntText(value=5), 3) == [5, 6, 7]
    dropdown = W.Dropdown(options=[("a", 0), ("b", 1), ("c", 2)], value=1)
    assert static.grid_values("label", dropdown, 2) == [1, 2] and static.grid_values("label", dropdown, 8) == [1, 2, 0]
    assert static.grid_values("on", W.Checkbox(value=True), 2) == [False, True]
    assert static.grid_values("t", W.FloatSlider(value=1.0, min=0, max=5), [0.5, 2.0]) == [0.5, 1.0, 2.0]


def test_bad_static_settings_are_clear_errors(monkeypatch):
    slider = lambda: W.FloatSlider(value=0.5, min=0, max=1, step=0.1)  # noqa: E731
    render = lambda **v: torch.zeros(2, 2, dtype=torch.uint8).numpy()  # noqa: E731
    with pytest.raises(ValueError, match=r"static controls \['x'\] are not controls of this view; valid: t"):
        core.ImageView(render, {"t": slider()}, static={"x": 4})
    with pytest.raises(ValueError, match="at most 2 controls"):
        core.ImageView(render, {"a": slider(), "b": slider(), "c": slider()}, static={"a": 2, "b": 2, "c": 2})
    with pytest.raises(ValueError, match=r"frames for 't' must be an int >= 2.*got 1"):
        static.grid_values("t", slider(), 1)
    with pytest.raises(ValueError, match="must not be empty"):
        static.grid_values("t", slider(), [])
    with pytest.raises(ValueError, match=r"control 'm' \(SelectMultiple\) cannot be pre-rendered"):
        static.grid_values("m", W.SelectMultiple(options=[1, 2]), 2)
    view = core.ImageView(render, {"a": slider(), "b": slider()}, static={"a": 11, "b": 11})
    with pytest.raises(ValueError, match=r"11 \(a\) x 11 \(b\) = 121 frames: at most 64 per view"):
        view.static_grids()
    monkeypatch.setenv(static.STATIC_ENV, "yes")
    with pytest.raises(ValueError, match=r"\$GAN_COURSE_STATIC must be 1 .* or 0/unset .*, got 'yes'"):
        static.static_mode()


def test_static_frames_leave_torch_s_random_state_as_it_was(monkeypatch):
    """The stored runs are matched by the random state at each training call: pre-rendering frames of a view
    that draws noise must not move it, or a site build would train what it should load."""
    import ipywidgets as W
    import torch

    from gan_course.widgets import core, static

    monkeypatch.setattr(static, "static_mode", lambda: True)
    monkeypatch.setattr(core, "static_mode", lambda: True)
    view = core.ImageView(lambda s: (torch.rand(8, 8) * 255).to(torch.uint8).numpy(),  # cpu: a view that draws noise
                          {"s": W.IntSlider(value=0, min=0, max=5)})
    before = torch.get_rng_state()
    view.static_widget()
    assert torch.equal(torch.get_rng_state(), before)
