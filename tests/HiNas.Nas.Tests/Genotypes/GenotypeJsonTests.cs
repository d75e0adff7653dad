using HiNas.Imaging.Tasks;
using HiNas.Nas.Genotypes;
using HiNas.Nas.Space;

namespace HiNas.Nas.Tests.Genotypes;

public class GenotypeJsonTests
{
    internal static Genotype Sample(RestorationTask? task = null)
    {
        var cell = new CellGenotype(new[]
        {
            new CellEdge(OperationNames.Conv3x3, 0), new CellEdge(OperationNames.SepConv5x5, 1),
            new CellEdge(OperationNames.DilConv3x3, 0), new CellEdge(OperationNames.Skip, 2),
        });
        // tied α: one layer of the 5 edges of a 2-node cell; β: the stem and layer 1's two live widths
        var alpha = new[] { Enumerable.Range(0, 5).Select(e => new[] { 0.1 * e, -0.2, 0.3, 0.0, 1e-5, 2.5, -3 }).ToArray() };
        var beta = new[] { new[] { -50, 0.25, 0.125 }, new[] { -50, 0.5, 0.1 }, new[] { 0.2, 0.3, 0.4 } };
        return new Genotype(new SearchSpace(task ?? RestorationTask.Denoise(25, 1), 2, 2, 6, SearchSpace.DefaultWidthFactors, 16),
            new[] { cell, cell }, new[] { 1, 2 }, alpha, beta);
    }

    [Fact]
    public void GenotypeRoundTripsIdentically()
    {
        var genotype = Sample(RestorationTask.SuperResolution(3, 3));
        var json = GenotypeJson.Serialize(genotype);
        var back = GenotypeJson.Deserialize(json);
        Assert.Equal(genotype, back);
        Assert.Equal(json, GenotypeJson.Serialize(back));
        Assert.Contains("\"schema\": \"hinas.genotype/v1\"", json);
        Assert.Contains("\"width_path\"", json);
    }

    [Fact]
    public void TheDilatedStyleIsRecorded_AndAnOldGenotypeWasSeparable()
    {
        var dense = Sample();
        var json = GenotypeJson.Serialize(dense);
        Assert.Contains("\"dilated_convs\": \"dense\"", json);
        Assert.Equal(ConvStyle.Dense, GenotypeJson.Deserialize(json).Space.DilatedConvs);
        var old = GenotypeJson.Deserialize(json.Replace("\"dilated_convs\": \"dense\",", ""));
        Assert.Equal(ConvStyle.Separable, old.Space.DilatedConvs);
        Assert.NotEqual(dense, old);
        Assert.Contains("dilated convolutions 'strided' are not dense or separable",
            Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(json.Replace("\"dense\"", "\"strided\""))).Message);
    }

    [Fact]
    public void ASeparableHeadConvolutionIsRecorded_AndAGenotypeWithoutItHasTheDenseOne()
    {
        var dense = Sample();
        var s = dense.Space;
        var separable = new Genotype(new SearchSpace(s.Task, s.Layers, s.Blocks, s.Filters, s.WidthFactors, s.StemChannels, s.DilatedConvs, 2, ConvStyle.Separable),
            dense.Cells, dense.WidthPath);
        var json = GenotypeJson.Serialize(separable);
        Assert.Contains("\"head_conv\": \"separable\"", json);
        Assert.DoesNotContain("head_conv", GenotypeJson.Serialize(dense));
        Assert.Equal(separable, GenotypeJson.Deserialize(json));
        Assert.Equal(ConvStyle.Separable, separable.Widened(2).Space.HeadConv);
        var withoutIt = GenotypeJson.Deserialize(json.Replace("\"head_conv\": \"separable\",", ""));
        Assert.Equal(ConvStyle.Dense, withoutIt.Space.HeadConv);
        Assert.NotEqual(separable, withoutIt);
        Assert.Contains("head convolutions 'pointwise' are not dense or separable",
            Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(json.Replace("\"separable\"", "\"pointwise\""))).Message);
    }

    [Fact]
    public void FusedCellsAreRecorded_AndAGenotypeWithoutThemHasThePapersCells()
    {
        var paper = Sample();
        var s = paper.Space;
        var fused = new Genotype(new SearchSpace(s.Task, s.Layers, s.Blocks, s.Filters, new[] { 1.0, 2.0, 3.0 }, 16, s.DilatedConvs, 2, form: CellForm.Fused),
            paper.Cells, paper.WidthPath);
        var json = GenotypeJson.Serialize(fused);
        Assert.Contains("\"cell_form\": \"fused\"", json);
        Assert.DoesNotContain("cell_form", GenotypeJson.Serialize(paper));
        Assert.Equal(fused, GenotypeJson.Deserialize(json));
        Assert.Equal(CellForm.Fused, fused.Widened(2).Space.Form);
        var withoutIt = GenotypeJson.Deserialize(json.Replace("\"cell_form\": \"fused\",", ""));
        Assert.Equal(CellForm.Paper, withoutIt.Space.Form);
        Assert.NotEqual(fused, withoutIt);
        Assert.Contains("cell form 'fast' is not paper or fused",
            Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(json.Replace("\"fused\"", "\"fast\""))).Message);
    }

    [Fact]
    public void TheFrameTimeSpaceIsRecorded_AndAGenotypeWithoutItIsOfThePapersSpace()
    {
        var paper = Sample();
        var frameTime = new Genotype(new SearchSpace(paper.Task, paper.Layers, paper.Blocks, paper.Filters, paper.WidthFactors, 16, pixelUnshuffle: 2),
            paper.Cells, paper.WidthPath);
        var json = GenotypeJson.Serialize(frameTime);
        Assert.Contains("\"pixel_unshuffle\": 2", json);
        Assert.DoesNotContain("pixel_unshuffle", GenotypeJson.Serialize(paper));
        Assert.Equal(frameTime, GenotypeJson.Deserialize(json));
        Assert.Equal(1, GenotypeJson.Deserialize(json.Replace("\"pixel_unshuffle\": 2,", "")).Space.PixelUnshuffle);
        Assert.NotEqual(new Genotype(paper.Space, paper.Cells, paper.WidthPath), frameTime); // the same but for r
        Assert.Equal(2, frameTime.Widened(2).Space.PixelUnshuffle);
        Assert.Contains("the pixel-unshuffle factor must be 1, 2 or 4",
            Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(json.Replace("\"pixel_unshuffle\": 2", "\"pixel_unshuffle\": 3"))).Message);
    }

    [Fact]
    public void TheEntropiesAreWritten_AndArchitectureWeightsOfTheWrongShapeAreRefused()
    {
        var json = GenotypeJson.Serialize(Sample());
        Assert.Contains($"\"alpha_entropy\": {Sample().AlphaEntropy!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", json);
        Assert.Contains("\"beta_entropy\": ", json);
        var sample = Sample();
        Assert.Contains("α must be [2 or 1 layers, 5 edges, 7 operations]",
            Assert.Throws<ArgumentException>(() => new Genotype(sample.Space, sample.Cells, sample.WidthPath, Array.Empty<double[][]>(), null)).Message);
        Assert.Contains("β must be [3 sources, 3 moves]",
            Assert.Throws<ArgumentException>(() => new Genotype(sample.Space, sample.Cells, sample.WidthPath, null, new[] { new[] { 1.0, 2, 3 } })).Message);
        var shortBeta = json.Replace("\"beta\": [", "\"beta\": [\n    [1, 2, 3],");
        Assert.Contains("β must be", Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(shortBeta)).Message);
    }

    [Fact]
    public void AWidenedGenotypeKeepsItsCellsPathAndStem()
    {
        var genotype = Sample();
        var wide = genotype.Widened(2);
        Assert.Equal((12, 16), (wide.Filters, wide.StemChannels));
        Assert.Equal(genotype.Cells, wide.Cells);
        Assert.Equal(genotype.WidthPath, wide.WidthPath);
        Assert.Equal(new[] { 12, 18, 24 }, Enumerable.Range(0, 3).Select(wide.NodeChannels));
        Assert.Null(wide.Alpha);
        Assert.Same(genotype, genotype.Widened(1));
        Assert.Equal(9, genotype.Widened(1.5).Filters);
        Assert.Throws<ArgumentOutOfRangeException>(() => genotype.Widened(0));
    }

    [Theory]
    [InlineData("{", "not valid genotype JSON")]
    [InlineData("{\"schema\":\"other/v9\"}", "schema is 'other/v9'")]
    [InlineData("{\"schema\":\"hinas.genotype/v1\"}", "'task' is missing")]
    public void BadJsonIsRefusedWithTheReason(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(json, "g.json"));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith("g.json", error.Message);
    }

    [Fact]
    public void InvalidContentIsRefused()
    {
        var json = GenotypeJson.Serialize(Sample());
        Assert.Contains("'none' is not derived in this space", Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(json.Replace("\"skip_connect\"", "\"none\""))).Message);
        Assert.Contains("lattice path", Assert.Throws<InvalidDataException>(() => GenotypeJson.Deserialize(json.Replace("\"width_path\": [\n    1,\n    2\n  ]", "\"width_path\": [\n    2,\n    2\n  ]"))).Message);
    }
}
